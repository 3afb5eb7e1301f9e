-- Issue 17: a web form carries the client's face and the legal text a
-- public form needs. privacy_notice: plain text under the fields (line
-- breaks kept; '' = none); accent_color: '#rrggbb' for the heading rule and
-- the send button ('' = the default blue); logo: a small image as a data
-- URL (png, jpeg, webp or gif; the page's CSP allows data: images only).
ALTER TABLE web_forms ADD COLUMN privacy_notice TEXT NOT NULL DEFAULT '';
ALTER TABLE web_forms ADD COLUMN accent_color TEXT NOT NULL DEFAULT '';
ALTER TABLE web_forms ADD COLUMN logo TEXT NOT NULL DEFAULT '';
