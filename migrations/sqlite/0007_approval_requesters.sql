-- Who asked for a held write, so that they cannot approve it themselves:
-- a platform user (the internal proxy) or an API key (the open proxy).
ALTER TABLE approval_requests ADD COLUMN requested_by_user TEXT;
ALTER TABLE approval_requests ADD COLUMN requested_by_key TEXT;
