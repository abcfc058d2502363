-- gcp (Group Call Pickup for Kamailio): the pickup groups in a database,
-- for modparam("gcp", "db_url", "postgres://user:password@host/database").
-- Load it after Kamailio's standard-create.sql (the version table):
--   psql -d database -f standard-create.sql
--   psql -d database -f gcp-create.sql
-- The same tables for every engine (db_sqlite/, mysql/); gcp checks their
-- versions in the version table at start-up.

CREATE TABLE gcp_range (
    id SERIAL PRIMARY KEY NOT NULL,
    name VARCHAR(64) NOT NULL,
    first_number VARCHAR(32) NOT NULL,
    last_number VARCHAR(32) NOT NULL,
    pool VARCHAR(64) DEFAULT NULL,
    CONSTRAINT gcp_range_name_idx UNIQUE (name)
);

INSERT INTO version (table_name, table_version) values ('gcp_range','1');

CREATE TABLE gcp_member (
    id SERIAL PRIMARY KEY NOT NULL,
    username VARCHAR(64) NOT NULL,
    group_number VARCHAR(32) NOT NULL,
    CONSTRAINT gcp_member_username_idx UNIQUE (username)
);

INSERT INTO version (table_name, table_version) values ('gcp_member','1');

CREATE TABLE gcp_personal (
    id SERIAL PRIMARY KEY NOT NULL,
    username VARCHAR(64) NOT NULL,
    pos INTEGER DEFAULT 0 NOT NULL,
    contact VARCHAR(256) NOT NULL,
    CONSTRAINT gcp_personal_pos_idx UNIQUE (username, pos)
);

INSERT INTO version (table_name, table_version) values ('gcp_personal','1');

CREATE TABLE gcp_group_list (
    id SERIAL PRIMARY KEY NOT NULL,
    group_number VARCHAR(32) NOT NULL,
    pos INTEGER DEFAULT 0 NOT NULL,
    also_number VARCHAR(32) NOT NULL,
    CONSTRAINT gcp_group_list_pos_idx UNIQUE (group_number, pos)
);

INSERT INTO version (table_name, table_version) values ('gcp_group_list','1');
