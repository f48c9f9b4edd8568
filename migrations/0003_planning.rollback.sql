DROP TABLE IF EXISTS obs_unit_instrument_module_configuration;
DROP TABLE IF EXISTS obs_unit;
DROP TABLE IF EXISTS obs_mode;
DROP TABLE IF EXISTS source;
DROP TABLE IF EXISTS sub_observing_program;
DROP TABLE IF EXISTS observing_program;
