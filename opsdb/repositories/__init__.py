"""One repository per aggregate; each runs the named SQL of its own `sql/<name>.sql`."""
