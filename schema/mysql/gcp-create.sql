-- gcp (Group Call Pickup for Kamailio): the pickup groups in a database,
-- for modparam("gcp", "db_url", "mysql://user:password@host/database").
-- Load it after Kamailio's standard-create.sql (the version table):
--   mysql database < standard-create.sql
--   mysql database < gcp-create.sql
-- The same tables for every engine (db_sqlite/, postgres/); gcp checks
-- their versions in the version table at start-up. Text compares byte for
-- byte (ascii_bin), as gcp does: "Alice" and "alice" are two users. Set
-- modparam("db_mysql", "auto_reconnect", 0): a reconnection in the middle
-- of a change would run the rest of it outside its transaction.

CREATE TABLE `gcp_range` (
    `id` INT(10) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,
    `name` VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    `first_number` VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    `last_number` VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    `pool` VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin DEFAULT NULL,
    CONSTRAINT gcp_range_name_idx UNIQUE (`name`)
) ENGINE=InnoDB;

INSERT INTO version (table_name, table_version) values ('gcp_range','1');

CREATE TABLE `gcp_member` (
    `id` INT(10) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,
    `username` VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    `group_number` VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    CONSTRAINT gcp_member_username_idx UNIQUE (`username`)
) ENGINE=InnoDB;

INSERT INTO version (table_name, table_version) values ('gcp_member','1');

CREATE TABLE `gcp_personal` (
    `id` INT(10) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,
    `username` VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    `pos` INT DEFAULT 0 NOT NULL,
    `contact` VARCHAR(256) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    CONSTRAINT gcp_personal_pos_idx UNIQUE (`username`, `pos`)
) ENGINE=InnoDB;

INSERT INTO version (table_name, table_version) values ('gcp_personal','1');

CREATE TABLE `gcp_group_list` (
    `id` INT(10) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,
    `group_number` VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    `pos` INT DEFAULT 0 NOT NULL,
    `also_number` VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    CONSTRAINT gcp_group_list_pos_idx UNIQUE (`group_number`, `pos`)
) ENGINE=InnoDB;

INSERT INTO version (table_name, table_version) values ('gcp_group_list','1');
