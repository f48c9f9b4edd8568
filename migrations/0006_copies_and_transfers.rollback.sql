DROP TABLE IF EXISTS staging_job_package;
DROP TABLE IF EXISTS staging_job;
DROP TABLE IF EXISTS long_term_archive_transfer;
DROP TABLE IF EXISTS data_transfer_log;
DROP TABLE IF EXISTS data_transfer;
DROP TABLE IF EXISTS physical_copy;
