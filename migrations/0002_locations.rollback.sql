DROP TABLE IF EXISTS data_transfer_route;
DROP TABLE IF EXISTS data_location;
DROP TABLE IF EXISTS site;
