-- Start the workers of this database once the extension is committed.
SELECT docextract.wake_workers();
