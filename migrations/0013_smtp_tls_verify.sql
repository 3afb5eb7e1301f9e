-- Whether the SMTP server's certificate is checked (TLS and STARTTLS), as
-- `imap_tls_verify` is for IMAP: on-premises mail servers often have a
-- certificate of their own CA; switching the check off is the admin's
-- explicit choice per mailbox.
ALTER TABLE mailboxes ADD COLUMN smtp_tls_verify INTEGER NOT NULL DEFAULT 1
    CHECK (smtp_tls_verify IN (0, 1));
