DROP TABLE IF EXISTS raw_data_file;
DROP TABLE IF EXISTS raw_data_package_metadata;
DROP TABLE IF EXISTS raw_data_package;
DROP TABLE IF EXISTS data_transfer_package;
DROP TABLE IF EXISTS executed_obs_unit;
DROP FUNCTION IF EXISTS opsdb_relative_path_valid(text);
DROP FUNCTION IF EXISTS opsdb_checksum_valid(text, text);
