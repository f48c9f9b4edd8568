DROP TABLE IF EXISTS observation_configuration;
DROP TABLE IF EXISTS instrument_module_configuration;
DROP TABLE IF EXISTS instrument_module;
DROP TABLE IF EXISTS instrument;
DROP TABLE IF EXISTS telescope;
DROP TABLE IF EXISTS observatory;
DROP FUNCTION IF EXISTS opsdb_touch_updated_at();
