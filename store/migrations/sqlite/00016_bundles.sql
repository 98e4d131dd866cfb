-- Bundles (A6): a schedule's further reports and how they are packaged, as
-- JSON, NULL for a schedule of one report; the files of a bundle's run, as
-- JSON, and their packaging, written with the run's own summary in the same statement, so that
-- the run and its files never disagree.

-- +goose Up
ALTER TABLE schedules ADD COLUMN bundle TEXT;
ALTER TABLE runs ADD COLUMN files TEXT NOT NULL DEFAULT '[]';
ALTER TABLE runs ADD COLUMN packaging TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE runs DROP COLUMN packaging;
ALTER TABLE runs DROP COLUMN files;
ALTER TABLE schedules DROP COLUMN bundle;
