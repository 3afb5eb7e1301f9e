-- A random stamp that every change to the configuration a case write reads
-- replaces: a project's SLA policies, the business calendars with their
-- hours and closures, a project's custom fields. The SLA clocks and the
-- field check keep what they read of it in memory under the stamp
-- (db::config_cache) instead of reading it again for every case written.
-- Random rather than counted, so that a change rolled back (a failed job
-- of a group commit) leaves no stamp that a later change could take again.
-- A migration that rebuilds one of these tables must create its triggers
-- again.
CREATE TABLE config_stamp (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    stamp TEXT NOT NULL
);
INSERT INTO config_stamp (id, stamp) VALUES (1, lower(hex(randomblob(16))));

CREATE TRIGGER sla_policies_stamp_insert AFTER INSERT ON sla_policies BEGIN
    UPDATE config_stamp SET stamp = lower(hex(randomblob(16)));
END;
CREATE TRIGGER sla_policies_stamp_update AFTER UPDATE ON sla_policies BEGIN
    UPDATE config_stamp SET stamp = lower(hex(randomblob(16)));
END;
CREATE TRIGGER sla_policies_stamp_delete AFTER DELETE ON sla_policies BEGIN
    UPDATE config_stamp SET stamp = lower(hex(randomblob(16)));
END;
CREATE TRIGGER business_calendars_stamp_insert AFTER INSERT ON business_calendars BEGIN
    UPDATE config_stamp SET stamp = lower(hex(randomblob(16)));
END;
CREATE TRIGGER business_calendars_stamp_update AFTER UPDATE ON business_calendars BEGIN
    UPDATE config_stamp SET stamp = lower(hex(randomblob(16)));
END;
CREATE TRIGGER business_calendars_stamp_delete AFTER DELETE ON business_calendars BEGIN
    UPDATE config_stamp SET stamp = lower(hex(randomblob(16)));
END;
CREATE TRIGGER business_calendar_hours_stamp_insert AFTER INSERT ON business_calendar_hours BEGIN
    UPDATE config_stamp SET stamp = lower(hex(randomblob(16)));
END;
CREATE TRIGGER business_calendar_hours_stamp_update AFTER UPDATE ON business_calendar_hours BEGIN
    UPDATE config_stamp SET stamp = lower(hex(randomblob(16)));
END;
CREATE TRIGGER business_calendar_hours_stamp_delete AFTER DELETE ON business_calendar_hours BEGIN
    UPDATE config_stamp SET stamp = lower(hex(randomblob(16)));
END;
CREATE TRIGGER business_calendar_closures_stamp_insert AFTER INSERT ON business_calendar_closures BEGIN
    UPDATE config_stamp SET stamp = lower(hex(randomblob(16)));
END;
CREATE TRIGGER business_calendar_closures_stamp_update AFTER UPDATE ON business_calendar_closures BEGIN
    UPDATE config_stamp SET stamp = lower(hex(randomblob(16)));
END;
CREATE TRIGGER business_calendar_closures_stamp_delete AFTER DELETE ON business_calendar_closures BEGIN
    UPDATE config_stamp SET stamp = lower(hex(randomblob(16)));
END;
CREATE TRIGGER custom_fields_stamp_insert AFTER INSERT ON custom_fields BEGIN
    UPDATE config_stamp SET stamp = lower(hex(randomblob(16)));
END;
CREATE TRIGGER custom_fields_stamp_update AFTER UPDATE ON custom_fields BEGIN
    UPDATE config_stamp SET stamp = lower(hex(randomblob(16)));
END;
CREATE TRIGGER custom_fields_stamp_delete AFTER DELETE ON custom_fields BEGIN
    UPDATE config_stamp SET stamp = lower(hex(randomblob(16)));
END;
