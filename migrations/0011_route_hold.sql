-- Routes hold the bundle copies their legs start from: the rule of 0009 let a bundle copy go as
-- soon as its packages were archived somewhere and no transfer from it existed yet, so a
-- destination whose leg was not created yet (an inactive buffer when the legs were made, a
-- manager's LIMIT, a relay's onward leg, made only once the bundle is at the relay site) could
-- miss the bundle for good (docs/workflows.md, "Safe deletion", rule 6).
-- depends: 0010_bulk_copy_check

CREATE OR REPLACE FUNCTION opsdb_copy_deletable(copy_id bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    WITH c AS (
        SELECT pc.*
        FROM physical_copy pc
        JOIN data_location loc ON loc.id = pc.data_location_id
        WHERE pc.id = copy_id AND loc.location_type IN ('source', 'buffer')
    ),
    packages AS (
        SELECT c.raw_data_package_id AS package_id FROM c WHERE c.type = 'raw_data_package'
        UNION ALL
        SELECT f.raw_data_package_id FROM c JOIN raw_data_file f ON f.id = c.raw_data_file_id
        WHERE c.type = 'raw_data_file'
        UNION ALL
        SELECT p.id FROM c JOIN raw_data_package p ON p.data_transfer_package_id = c.data_transfer_package_id
        WHERE c.type = 'data_transfer_package'
    )
    SELECT EXISTS (SELECT 1 FROM c)
       AND EXISTS (SELECT 1 FROM packages)
       AND NOT EXISTS (SELECT 1 FROM packages WHERE package_id IS NULL)
       -- every package archived with a present, verified long-term-archive copy
       AND NOT EXISTS (
            SELECT 1 FROM packages pk JOIN raw_data_package p ON p.id = pk.package_id
            WHERE p.state <> 'archived'
               OR NOT EXISTS (
                    SELECT 1 FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
                    WHERE a.type = 'raw_data_package' AND a.raw_data_package_id = p.id
                      AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
                      AND al.location_type = 'long_term_archive'))
       -- a buffer at a site with its own active long-term archive keeps its copy until that
       -- archive holds the package (else a second archive site could miss it)
       AND NOT EXISTS (
            SELECT 1 FROM packages pk JOIN c ON true
            JOIN data_location here ON here.id = c.data_location_id
            WHERE here.location_type = 'buffer'
              AND EXISTS (SELECT 1 FROM data_location l
                          WHERE l.site_id = here.site_id AND l.location_type = 'long_term_archive' AND l.active)
              AND NOT EXISTS (
                    SELECT 1 FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
                    WHERE a.type = 'raw_data_package' AND a.raw_data_package_id = pk.package_id
                      AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
                      AND al.location_type = 'long_term_archive' AND al.site_id = here.site_id))
       -- not the source of an unfinished bundle build or archive transfer
       AND NOT EXISTS (
            SELECT 1 FROM packages pk JOIN c ON true
            JOIN raw_data_package p ON p.id = pk.package_id
            JOIN data_transfer_package d ON d.id = p.data_transfer_package_id
            WHERE d.origin_location_id = c.data_location_id AND d.status <> 'completed')
       AND NOT EXISTS (
            SELECT 1 FROM packages pk JOIN c ON true
            JOIN long_term_archive_transfer t ON t.raw_data_package_id = pk.package_id
            WHERE t.origin_location_id = c.data_location_id AND t.status <> 'completed')
       -- a bundle copy: no unfinished transfer from here, no unfinished unpack here
       AND NOT EXISTS (
            SELECT 1 FROM c JOIN data_transfer t ON t.data_transfer_package_id = c.data_transfer_package_id
            WHERE c.type = 'data_transfer_package'
              AND ((t.origin_location_id = c.data_location_id AND t.status <> 'completed')
                OR (t.destination_location_id = c.data_location_id AND t.unpack_status <> 'completed')))
       -- a bundle copy that is (or will be) the source of a leg still to deliver stays: the
       -- copy at the origin location (or a custom route's origin) and, for a relay route, any
       -- copy at the relay site, until a completed transfer has taken the bundle to the route's
       -- destination site. Legs are created later (a relay's onward leg only once the bundle is
       -- at the relay site), so until then no transfer holds the copy.
       AND NOT EXISTS (
            SELECT 1 FROM c
            JOIN data_location here ON here.id = c.data_location_id
            JOIN data_transfer_package d ON d.id = c.data_transfer_package_id
            JOIN data_location origin ON origin.id = d.origin_location_id
            JOIN data_transfer_route r ON r.active AND r.origin_site_id = origin.site_id
            WHERE c.type = 'data_transfer_package'
              AND (c.data_location_id = coalesce(r.origin_location_id, d.origin_location_id)
                   OR (r.route_type = 'relay' AND here.site_id = r.relay_site_id))
              AND NOT EXISTS (
                    SELECT 1 FROM data_transfer t JOIN data_location tl ON tl.id = t.destination_location_id
                    WHERE t.data_transfer_package_id = d.id AND tl.site_id = r.destination_site_id
                      AND t.status = 'completed'))
       -- no active staging job needs any of the packages
       AND NOT EXISTS (
            SELECT 1 FROM packages pk
            JOIN staging_job_package sp ON sp.raw_data_package_id = pk.package_id
            JOIN staging_job j ON j.id = sp.staging_job_id
            WHERE j.status IN ('pending', 'scheduled', 'in_progress'))
$$;
