//! What a client export contains: one [`Exporter`] per file. Adding a table
//! to the export (the knowledge base, text modules, …) is one more entry in
//! [`EXPORTERS`]: its file, format, tables it needs, the SQL that selects
//! the client's rows (`?1` is the client id) and its documented columns.
//! The README inside the archive is generated from the same entries, so
//! the documentation cannot drift from what is written.

/// How a file stores its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated, header row, UTF-8, RFC 4180 quoting.
    Csv,
    /// One JSON object per line (JSON Lines).
    Jsonl,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }
}

/// How a column's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// As stored: integer, text or null.
    Plain,
    /// JSON text in the store: written as a JSON value in `.jsonl` files,
    /// as JSON text in `.csv` files.
    Json,
    /// 0/1 in the store: `true`/`false`.
    Bool,
}

/// One exported column.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub name: &'static str,
    /// SQL expression; `None`: the column `t.<name>`.
    pub expr: Option<&'static str>,
    pub kind: Kind,
    pub doc: &'static str,
}

const fn c(name: &'static str, doc: &'static str) -> Col {
    Col {
        name,
        expr: None,
        kind: Kind::Plain,
        doc,
    }
}

const fn json(name: &'static str, doc: &'static str) -> Col {
    Col {
        name,
        expr: None,
        kind: Kind::Json,
        doc,
    }
}

const fn flag(name: &'static str, doc: &'static str) -> Col {
    Col {
        name,
        expr: None,
        kind: Kind::Bool,
        doc,
    }
}

const fn x(name: &'static str, expr: &'static str, doc: &'static str) -> Col {
    Col {
        name,
        expr: Some(expr),
        kind: Kind::Plain,
        doc,
    }
}

/// One file of the export.
#[derive(Debug, Clone, Copy)]
pub struct Exporter {
    /// File name inside the archive, e.g. `cases.jsonl`.
    pub file: &'static str,
    pub format: Format,
    pub about: &'static str,
    /// Tables that must exist; the file is left out (and listed as skipped
    /// in the manifest) when one does not, e.g. on a store from before a
    /// migration.
    pub requires: &'static [&'static str],
    /// `FROM … WHERE …` with the alias `t` and `?1` = the client id.
    pub from: &'static str,
    pub order: &'static str,
    pub columns: &'static [Col],
}

impl Exporter {
    pub fn select_sql(&self) -> String {
        self.select_sql_without(&[])
    }

    /// The table the rows come from (`FROM <table> t …`).
    pub fn table(&self) -> &'static str {
        self.from.split_whitespace().nth(1).unwrap_or_default()
    }

    /// The SELECT, with `missing` columns of the table (a store from before
    /// the migration that added them) written as null.
    pub fn select_sql_without(&self, missing: &[String]) -> String {
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|col| match col.expr {
                Some(expr) => format!("{expr} AS {}", col.name),
                None if missing.iter().any(|m| m == col.name) => {
                    format!("NULL AS {}", col.name)
                }
                None => format!("t.{}", col.name),
            })
            .collect();
        format!(
            "SELECT {} {} ORDER BY {}",
            cols.join(", "),
            self.from,
            self.order
        )
    }

    pub fn count_sql(&self) -> String {
        format!("SELECT COUNT(*) {}", self.from)
    }
}

// The client's projects and cases, as subqueries. The `+` keeps SQLite from
// driving big tables through an index and sorting: it reads them in rowid
// order and checks membership per row, so nothing is sorted in memory.
macro_rules! in_client_cases {
    ($col:literal) => {
        concat!(
            "+t.",
            $col,
            " IN (SELECT k.id FROM cases k WHERE k.project_id IN (SELECT id FROM projects WHERE client_id = ?1))"
        )
    };
}

const TIMES: &str = "UTC, RFC 3339 (e.g. 2026-11-27T08:35:36.123Z)";

/// Every file of a client export, in archive order. Blobs (attachment
/// contents, raw e-mails) follow under `files/`, then `manifest.json`.
///
/// Derived tables are not exported, as their content is the exported rows
/// again: the full-text tables (`case_search` and the other FTS5 tables),
/// and `case_counts` (migration 0037: the cases counted per project,
/// status, channel, topic and assignee, kept by triggers; a recount of
/// `cases`).
pub const EXPORTERS: &[Exporter] = &[
    Exporter {
        file: "client.csv",
        format: Format::Csv,
        about: "The exported client (one row).",
        requires: &["clients"],
        from: "FROM clients t WHERE t.id = ?1",
        order: "t.id",
        columns: &[
            c("id", "Client id."),
            c("name", "Client name."),
            c("created_at", TIMES),
            c("updated_at", TIMES),
        ],
    },
    Exporter {
        file: "projects.csv",
        format: Format::Csv,
        about: "The client's service projects.",
        requires: &["projects"],
        from: "FROM projects t WHERE t.client_id = ?1",
        order: "t.id",
        columns: &[
            c("id", "Project id."),
            c("name", "Project name."),
            c("key", "Prefix of the case numbers (ACME → ACME-1000)."),
            c("description", "Free text."),
            flag("active", "false: archived."),
            c("next_case_number", "Number the next case gets."),
            c("created_at", TIMES),
            c("updated_at", TIMES),
        ],
    },
    Exporter {
        file: "teams.csv",
        format: Format::Csv,
        about: "The client's own teams (the provider's teams are not the client's data).",
        requires: &["teams"],
        from: "FROM teams t WHERE t.client_id = ?1",
        order: "t.id",
        columns: &[
            c("id", "Team id."),
            c("name", "Team name."),
            c("kind", "Always `client` here."),
            c("created_at", TIMES),
        ],
    },
    Exporter {
        file: "users.csv",
        format: Format::Csv,
        about: "The client's users, plus the provider's staff who are members of the client's projects. \
                Passwords, sessions and API tokens are never exported.",
        requires: &["users", "project_members"],
        from: "FROM users t WHERE t.client_id = ?1 OR t.id IN (SELECT m.user_id FROM project_members m \
               JOIN projects p ON p.id = m.project_id WHERE p.client_id = ?1)",
        order: "t.id",
        columns: &[
            c(
                "id",
                "User id (referenced as user_id, author_user_id, assignee_id, …).",
            ),
            c("email", "Login e-mail."),
            c("name", "Display name."),
            c(
                "role",
                "`admin`, `client-admin`, `project-lead` or `agent`.",
            ),
            c(
                "client_id",
                "The client the user belongs to; empty for the provider's staff.",
            ),
            x(
                "team_id",
                "CASE WHEN t.client_id = ?1 THEN t.team_id END",
                "Team (see teams.csv); empty for the provider's staff.",
            ),
            c("tariff", "Provider agents: `basic` or `pro`."),
            c("locale", "`de`, `en` or empty."),
            flag("active", "false: deactivated."),
            c("created_at", TIMES),
            c("updated_at", TIMES),
        ],
    },
    Exporter {
        file: "project_members.csv",
        format: Format::Csv,
        about: "Who works in which of the client's projects.",
        requires: &["project_members"],
        from: "FROM project_members t WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.project_id, t.user_id",
        columns: &[
            c("project_id", "See projects.csv."),
            c("user_id", "See users.csv."),
            c("role", "`agent` or `lead`."),
            c("created_at", TIMES),
        ],
    },
    Exporter {
        file: "topics.csv",
        format: Format::Csv,
        about: "Topics (Themen) per project.",
        requires: &["topics"],
        from: "FROM topics t WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.id",
        columns: &[
            c("id", "Topic id."),
            c("project_id", "See projects.csv."),
            c("name", "Topic name."),
            flag("active", "false: no longer offered."),
            c("position", "Sort order."),
            c("created_at", TIMES),
        ],
    },
    Exporter {
        file: "custom_fields.csv",
        format: Format::Csv,
        about: "Data masks: the custom fields defined per project for cases and contacts. \
                Values are in the `custom` objects of cases, contacts and organizations.",
        requires: &["custom_fields"],
        from: "FROM custom_fields t WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.id",
        columns: &[
            c("id", "Field id."),
            c("project_id", "See projects.csv."),
            c("entity", "`case` or `contact`."),
            c("key", "Key of the value in `custom` objects."),
            c("label", "Label shown to agents."),
            c(
                "kind",
                "`text`, `number`, `date`, `select`, `multi-select` or `checkbox`.",
            ),
            json("options", "Choices of select fields (JSON array)."),
            flag("required", "Must be filled in."),
            c("position", "Sort order."),
            c("help", "Help text."),
            c("width", "`full` or `half`."),
            c("section", "Form section."),
            flag("active", "false: deactivated (stored values stay)."),
            c("created_at", TIMES),
            c("updated_at", TIMES),
        ],
    },
    Exporter {
        file: "organizations.jsonl",
        format: Format::Jsonl,
        about: "Organizations (companies) of the customer database.",
        requires: &["organizations"],
        from: "FROM organizations t WHERE +t.client_id = ?1",
        order: "t.id",
        columns: &[
            c("id", "Organization id."),
            c("name", "Name."),
            c("customer_number", "The client's customer number."),
            c("domain", "E-mail domain."),
            c("phone", "Phone number."),
            c("street", "Address."),
            c("postal_code", "Address."),
            c("city", "Address."),
            c("country", "Address."),
            c("notes", "Free text."),
            json(
                "custom",
                "Custom field values (object, keys as in custom_fields.csv).",
            ),
            c(
                "merged_into_id",
                "Set when merged into another organization.",
            ),
            c("created_at", TIMES),
            c("updated_at", TIMES),
        ],
    },
    Exporter {
        file: "contacts.jsonl",
        format: Format::Jsonl,
        about: "Contacts (end customers) of the customer database, with their e-mail addresses and phone numbers.",
        requires: &["contacts", "contact_emails", "contact_phones"],
        from: "FROM contacts t WHERE +t.client_id = ?1",
        order: "t.id",
        columns: &[
            c(
                "id",
                "Contact id (referenced as contact_id, author_contact_id).",
            ),
            c("organization_id", "See organizations.jsonl."),
            c("name", "Name."),
            x(
                "emails",
                "(SELECT json_group_array(email) FROM (SELECT email FROM contact_emails WHERE contact_id = t.id ORDER BY position, email))",
                "E-mail addresses (array; the first is the main one).",
            ),
            x(
                "phones",
                "(SELECT json_group_array(phone) FROM (SELECT phone FROM contact_phones WHERE contact_id = t.id ORDER BY position, phone))",
                "Phone numbers as entered (array).",
            ),
            c("customer_number", "The client's customer number."),
            c("language", "`de`, `en` or null."),
            c("street", "Address."),
            c("postal_code", "Address."),
            c("city", "Address."),
            c("country", "Address."),
            c("notes", "Free text."),
            json(
                "custom",
                "Custom field values (object, keys as in custom_fields.csv).",
            ),
            c("merged_into_id", "Set when merged into another contact."),
            c("created_at", TIMES),
            c("updated_at", TIMES),
        ],
    },
    Exporter {
        file: "cases.jsonl",
        format: Format::Jsonl,
        about: "Cases (tickets) of the client's projects.",
        requires: &["cases", "case_tags"],
        from: "FROM cases t WHERE +t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.id",
        columns: &[
            c("id", "Case id."),
            c("project_id", "See projects.csv."),
            x(
                "reference",
                "(SELECT key FROM projects WHERE id = t.project_id) || '-' || t.number",
                "People-readable number, e.g. ACME-1042.",
            ),
            c("number", "Number within the project."),
            c("subject", "Subject."),
            c("channel", "`email`, `call`, `webform`, `chat` or `letter`."),
            c("topic_id", "See topics.csv."),
            c(
                "status",
                "`new`, `open`, `pending-customer`, `pending-third-party`, `solved` or `closed`.",
            ),
            c("priority", "`low`, `normal`, `high` or `urgent`."),
            c("handling_team", "`client` (own team) or `provider`."),
            c(
                "handling_tariff",
                "Which provider team handles a provider case: `basic` (Team Basic) or `pro` \
                 (Team Pro); empty: the own team, or any provider team.",
            ),
            c("assignee_id", "See users.csv."),
            c("contact_id", "See contacts.jsonl."),
            c("organization_id", "See organizations.jsonl."),
            c("due_at", TIMES),
            x(
                "tags",
                "(SELECT json_group_array(tag) FROM (SELECT tag FROM case_tags WHERE case_id = t.id ORDER BY tag))",
                "Tags (array).",
            ),
            json(
                "custom",
                "Custom field values (object, keys as in custom_fields.csv).",
            ),
            c("merged_into_id", "Set when merged into another case."),
            c("version", "Bumped by every change."),
            c("message_count", "Messages in the thread."),
            c("last_message_at", TIMES),
            c("first_response_at", TIMES),
            c("solved_at", TIMES),
            c("closed_at", TIMES),
            c(
                "sla_due_at",
                "Next running SLA deadline (UTC, RFC 3339); see case_sla.csv.",
            ),
            c("sla_target", "Which target sla_due_at is."),
            c(
                "status_changed_at",
                "When the status last changed (what time-based rules count from); empty: \
                 never since the case was created.",
            ),
            c(
                "anonymized_at",
                "Set when the case's personal data was erased (GDPR).",
            ),
            c("created_by_id", "See users.csv."),
            c("created_at", TIMES),
            c("updated_at", TIMES),
        ],
    },
    Exporter {
        file: "messages.jsonl",
        format: Format::Jsonl,
        about: "The threads of the cases: messages from and to customers, internal notes.",
        requires: &["messages"],
        from: concat!("FROM messages t WHERE ", in_client_cases!("case_id")),
        order: "t.id",
        columns: &[
            c("id", "Message id."),
            c("case_id", "See cases.jsonl."),
            c("kind", "`inbound`, `outbound` or `note` (internal)."),
            c("channel", "`email`, `call`, `webform`, `chat` or `letter`."),
            c("author_user_id", "Agent who wrote it (users.csv)."),
            c(
                "author_contact_id",
                "Customer who wrote it (contacts.jsonl).",
            ),
            c("from_address", "Sender address."),
            c("to_address", "Recipient address."),
            c("subject", "Subject."),
            c("body_text", "Text body."),
            c("body_html", "HTML body (sanitised), if any."),
            c("created_at", TIMES),
        ],
    },
    Exporter {
        file: "case_history.jsonl",
        format: Format::Jsonl,
        about: "Every change to a case: who, which field, old → new, when.",
        requires: &["case_history"],
        from: concat!("FROM case_history t WHERE ", in_client_cases!("case_id")),
        order: "t.id",
        columns: &[
            c("id", "Entry id."),
            c("case_id", "See cases.jsonl."),
            c("user_id", "See users.csv."),
            c("at", TIMES),
            c(
                "field",
                "What changed (`status`, `assignee_id`, `created`, `attachment`, `merged_into`, `link`, …).",
            ),
            c("old_value", "Before (text)."),
            c("new_value", "After (text)."),
            c(
                "rule_name",
                "Set when a rule made the change (\"set by rule 'NAME'\"); see rules.csv.",
            ),
        ],
    },
    Exporter {
        file: "case_links.csv",
        format: Format::Csv,
        about: "Links between related cases (merges are in cases.jsonl `merged_into_id` and case_history.jsonl).",
        requires: &["case_links"],
        from: concat!("FROM case_links t WHERE ", in_client_cases!("case_id")),
        order: "t.case_id, t.other_case_id",
        columns: &[
            c("case_id", "See cases.jsonl."),
            c("other_case_id", "See cases.jsonl."),
            c("created_at", TIMES),
        ],
    },
    Exporter {
        file: "time_entries.csv",
        format: Format::Csv,
        about: "Time records: handling effort per case, agent, channel and topic.",
        requires: &["time_entries"],
        from: concat!("FROM time_entries t WHERE ", in_client_cases!("case_id")),
        order: "t.id",
        columns: &[
            c("id", "Entry id."),
            c("case_id", "See cases.jsonl."),
            c("project_id", "See projects.csv."),
            c("user_id", "See users.csv."),
            c("channel", "Channel."),
            c("topic_id", "See topics.csv."),
            c(
                "kind",
                "`handling`, `after-work`, `call-wait`, `call-talk` or `manual`.",
            ),
            c("started_at", TIMES),
            c("seconds", "Duration in seconds."),
            c("note", "Free text."),
            c("created_at", TIMES),
            c(
                "message_id",
                "The message of a logged call the time belongs to (see messages.jsonl); empty otherwise.",
            ),
        ],
    },
    Exporter {
        file: "attachments.csv",
        format: Format::Csv,
        about: "Files attached to cases. The content is the file `files/<sha256>` in this archive.",
        requires: &["attachments"],
        from: concat!("FROM attachments t WHERE ", in_client_cases!("case_id")),
        order: "t.id",
        columns: &[
            c("id", "Attachment id."),
            c("case_id", "See cases.jsonl."),
            c(
                "message_id",
                "See messages.jsonl; empty: not yet sent with a message.",
            ),
            c(
                "sha256",
                "SHA-256 of the content; the file is files/<sha256>.",
            ),
            c("filename", "Original file name."),
            c("content_type", "MIME type."),
            c("size", "Bytes."),
            c("uploaded_by", "See users.csv."),
            c("created_at", TIMES),
        ],
    },
    Exporter {
        file: "saved_views.csv",
        format: Format::Csv,
        about: "Saved case views of the client's users.",
        requires: &["saved_views"],
        from: "FROM saved_views t WHERE t.user_id IN (SELECT id FROM users WHERE client_id = ?1)",
        order: "t.id",
        columns: &[
            c("id", "View id."),
            c("user_id", "See users.csv."),
            c("name", "Name."),
            json("query", "Filters and sort (JSON)."),
            c("position", "Sort order."),
            c("created_at", TIMES),
        ],
    },
    Exporter {
        file: "web_forms.csv",
        format: Format::Csv,
        about: "Public web form settings per project.",
        requires: &["web_forms"],
        from: "FROM web_forms t WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.project_id",
        columns: &[
            c("project_id", "See projects.csv."),
            c("public_id", "Id in the public URL /f/<public_id>."),
            flag("enabled", "Form accepts submissions."),
            c("title", "Title."),
            c("intro", "Text above the form."),
            c("confirmation", "Text after sending."),
            c("topic_id", "Topic of new cases (topics.csv)."),
            c("updated_at", TIMES),
            c("privacy_notice", "Privacy notice under the fields."),
            c(
                "accent_color",
                "Colour of heading rule and send button (#rrggbb).",
            ),
            c("logo", "Logo above the form (data URL)."),
        ],
    },
    Exporter {
        file: "mailboxes.csv",
        format: Format::Csv,
        about: "E-mail mailboxes per project (IMAP in, SMTP out). Passwords are never exported.",
        requires: &["mailboxes"],
        from: "FROM mailboxes t WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.id",
        columns: &[
            c("id", "Mailbox id."),
            c("project_id", "See projects.csv."),
            c("name", "Name."),
            c("address", "Address customers write to."),
            c("sender_name", "Name on outgoing mail."),
            c("signature", "Signature."),
            c("imap_host", "IMAP server."),
            c("imap_port", "IMAP port."),
            c("imap_security", "`tls`, `starttls` or `plain`."),
            c("imap_username", "IMAP login."),
            c("imap_folder", "Folder read."),
            flag("imap_tls_verify", "Server certificate checked."),
            c("after_fetch", "`seen`, `move` or `delete`."),
            c("move_to_folder", "Folder for `move`."),
            c("smtp_host", "SMTP server."),
            c("smtp_port", "SMTP port."),
            c("smtp_security", "`tls`, `starttls` or `plain`."),
            c("smtp_username", "SMTP login."),
            c("fetch_schedule", "Cron expression (seconds first)."),
            flag("auto_ack_enabled", "Automatic acknowledgment on."),
            c("auto_ack_subject", "Acknowledgment subject."),
            c("auto_ack_body", "Acknowledgment text."),
            flag("paused", "Fetching paused."),
            c("created_at", TIMES),
            c("updated_at", TIMES),
        ],
    },
    Exporter {
        file: "mail_message_ids.csv",
        format: Format::Csv,
        about: "Message-IDs of mails taken in or sent per case (e-mail threading).",
        requires: &["mail_message_ids"],
        from: concat!(
            "FROM mail_message_ids t WHERE ",
            in_client_cases!("case_id")
        ),
        order: "t.case_id, t.message_id",
        columns: &[
            c("message_id", "Message-ID without angle brackets."),
            c("case_id", "See cases.jsonl."),
            c("thread_message_id", "See messages.jsonl."),
            c("mailbox_id", "See mailboxes.csv."),
            c("direction", "`in` or `out`."),
            c("created_at", TIMES),
        ],
    },
    Exporter {
        file: "mail_inbound.jsonl",
        format: Format::Jsonl,
        about: "E-mails taken in from the mailboxes. The raw message (RFC 5322, as received) is the file \
                `files/<raw_sha256>` in this archive.",
        requires: &["mail_inbound", "mailboxes"],
        from: concat!(
            "FROM mail_inbound t WHERE ",
            in_client_cases!("case_id"),
            " OR t.mailbox_id IN (SELECT b.id FROM mailboxes b WHERE b.project_id IN \
             (SELECT id FROM projects WHERE client_id = ?1))"
        ),
        order: "t.id",
        columns: &[
            c("id", "Record id."),
            c("mailbox_id", "See mailboxes.csv (empty: mailbox deleted)."),
            c("uid_validity", "IMAP UIDVALIDITY."),
            c("uid", "IMAP UID."),
            c("message_key", "Message-ID, or `sha256:<hex>` without one."),
            c("message_id", "Message-ID header as sent."),
            c(
                "raw_sha256",
                "SHA-256 of the raw message; the file is files/<raw_sha256>.",
            ),
            c("raw_size", "Bytes of the raw message."),
            c("from_address", "Sender."),
            c("subject", "Subject."),
            c("case_id", "See cases.jsonl."),
            c("thread_message_id", "See messages.jsonl."),
            c(
                "threaded_by",
                "`new`, `references`, `subject`, `bounce` or `message-id`.",
            ),
            flag("auto_reply", "Marked as an automatic reply."),
            flag("bulk", "Marked as bulk mail."),
            flag("bounce", "A delivery failure notice."),
            flag("flagged", "Something was wrong (see problem)."),
            c(
                "flags",
                "Why it was flagged, codes separated by spaces: `unknown-charset`, \
                 `no-header-separator`, `broken-multipart`, `message-id-reused`, \
                 `sender-is-user`.",
            ),
            c("problem", "What was wrong."),
            c("received_at", TIMES),
        ],
    },
    Exporter {
        file: "mail_outbox.jsonl",
        format: Format::Jsonl,
        about: "Outgoing e-mails (replies, acknowledgments) and their delivery state.",
        requires: &["mail_outbox"],
        from: concat!("FROM mail_outbox t WHERE ", in_client_cases!("case_id")),
        order: "t.id",
        columns: &[
            c("id", "Outbox id."),
            c("case_id", "See cases.jsonl."),
            c("message_id", "See messages.jsonl."),
            c("mailbox_id", "See mailboxes.csv."),
            c("kind", "`reply`, `auto-ack` or `webform-confirmation`."),
            c(
                "state",
                "`queued`, `retrying`, `sent`, `failed`, `no-mailbox` or `no-recipient`.",
            ),
            c("mail_message_id", "Message-ID."),
            c("from_address", "Sender."),
            c("to_address", "Recipient."),
            c("subject", "Subject."),
            c("body_text", "Text body."),
            c("body_html", "HTML body."),
            c("attempts", "Delivery attempts."),
            c("last_error", "Last delivery error."),
            c("sent_at", TIMES),
            c("created_at", TIMES),
        ],
    },
    Exporter {
        file: "kb_categories.csv",
        format: Format::Csv,
        about: "Knowledge base: categories (nested by `parent_id`).",
        requires: &["kb_categories"],
        from: "FROM kb_categories t WHERE t.client_id = ?1",
        order: "t.id",
        columns: &[
            c("id", "Category id."),
            c(
                "parent_id",
                "The parent category (this file); empty: top level.",
            ),
            c("name", "Name."),
            c("position", "Order among its siblings."),
            c("created_at", TIMES),
            c("updated_at", TIMES),
        ],
    },
    Exporter {
        file: "kb_articles.csv",
        format: Format::Csv,
        about: "Knowledge base: articles (the language-independent frame; the texts are in kb_article_versions.jsonl).",
        requires: &["kb_articles"],
        from: "FROM kb_articles t WHERE t.client_id = ?1",
        order: "t.id",
        columns: &[
            c("id", "Article id."),
            c(
                "category_id",
                "See kb_categories.csv; empty: uncategorised.",
            ),
            c(
                "visibility",
                "`internal` (agents) or `public` (also the help center).",
            ),
            flag(
                "limited",
                "true: only for the projects in kb_article_projects.csv.",
            ),
            c("created_by", "See users.csv."),
            c("created_at", TIMES),
            c("updated_at", TIMES),
            c("deleted_at", "Deleted (restorable) at; empty: live."),
            c("deleted_by", "See users.csv."),
        ],
    },
    Exporter {
        file: "kb_article_versions.jsonl",
        format: Format::Jsonl,
        about: "Knowledge base: every saved version of every article, per language.",
        requires: &["kb_article_versions", "kb_articles"],
        from: "FROM kb_article_versions t WHERE t.article_id IN (SELECT id FROM kb_articles WHERE client_id = ?1)",
        order: "t.id",
        columns: &[
            c("id", "Version id."),
            c("article_id", "See kb_articles.csv."),
            c("language", "`de` or `en`."),
            c("number", "1, 2, … per article and language."),
            c("title", "Title."),
            c("body_md", "The text (Markdown)."),
            c("body_html", "The text as sanitised HTML."),
            c("state", "`draft`, `review`, `published` or `archived`."),
            c("created_by", "See users.csv."),
            c("created_at", TIMES),
            c("submitted_by", "Sent to review by; see users.csv."),
            c("submitted_at", TIMES),
            c("published_by", "See users.csv."),
            c("published_at", TIMES),
            c("restored_from", "The version (this file) it copies."),
        ],
    },
    Exporter {
        file: "kb_article_tags.csv",
        format: Format::Csv,
        about: "Knowledge base: the tags of the articles.",
        requires: &["kb_article_tags", "kb_articles"],
        from: "FROM kb_article_tags t WHERE t.article_id IN (SELECT id FROM kb_articles WHERE client_id = ?1)",
        order: "t.article_id, t.tag",
        columns: &[
            c("article_id", "See kb_articles.csv."),
            c("tag", "Tag (lower case)."),
        ],
    },
    Exporter {
        file: "kb_article_projects.csv",
        format: Format::Csv,
        about: "Knowledge base: the projects a limited article is for.",
        requires: &["kb_article_projects", "kb_articles"],
        from: "FROM kb_article_projects t WHERE t.article_id IN (SELECT id FROM kb_articles WHERE client_id = ?1)",
        order: "t.article_id, t.project_id",
        columns: &[
            c("article_id", "See kb_articles.csv."),
            c("project_id", "See projects.csv."),
        ],
    },
    Exporter {
        file: "kb_attachments.csv",
        format: Format::Csv,
        about: "Knowledge base: files of articles (images, downloads). The content is the file `files/<sha256>` in this archive.",
        requires: &["kb_attachments"],
        from: "FROM kb_attachments t WHERE t.client_id = ?1",
        order: "t.id",
        columns: &[
            c("id", "Attachment id."),
            c("article_id", "See kb_articles.csv."),
            c(
                "sha256",
                "SHA-256 of the content; the file is files/<sha256>.",
            ),
            c("filename", "Original file name."),
            c("content_type", "MIME type."),
            c("size", "Bytes."),
            c("created_by", "See users.csv."),
            c("created_at", TIMES),
        ],
    },
    Exporter {
        file: "kb_article_uses.csv",
        format: Format::Csv,
        about: "Knowledge base: articles used in cases (a link or the text put into a reply).",
        requires: &["kb_article_uses", "kb_articles"],
        from: "FROM kb_article_uses t WHERE t.article_id IN (SELECT id FROM kb_articles WHERE client_id = ?1)",
        order: "t.id",
        columns: &[
            c("id", "Use id."),
            c("article_id", "See kb_articles.csv."),
            c("version_id", "See kb_article_versions.jsonl."),
            c("case_id", "See cases.jsonl."),
            c("user_id", "See users.csv."),
            c("at", TIMES),
            c("how", "`link` or `text`."),
        ],
    },
    Exporter {
        file: "knowledge_editors.csv",
        format: Format::Csv,
        about: "Knowledge base: agents granted editing of the articles limited to a project.",
        requires: &["knowledge_editors"],
        from: "FROM knowledge_editors t WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.project_id, t.user_id",
        columns: &[
            c("project_id", "See projects.csv."),
            c("user_id", "See users.csv."),
            c("granted_by", "See users.csv."),
            c("granted_at", TIMES),
        ],
    },
    Exporter {
        file: "kb_help_centers.csv",
        format: Format::Csv,
        about: "Knowledge base: whether a project's public help center (/help/{key}) is switched on (a project without a row is off).",
        requires: &["kb_help_centers"],
        from: "FROM kb_help_centers t WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.project_id",
        columns: &[
            c("project_id", "See projects.csv."),
            c("enabled", "1: on, 0: off."),
            c("changed_by", "See users.csv (empty: set by the migration)."),
            c("changed_at", TIMES),
        ],
    },
    Exporter {
        file: "retention_rules.csv",
        format: Format::Csv,
        about: "GDPR retention rules per project: closed cases older than `months` are anonymized or deleted.",
        requires: &["retention_rules"],
        from: "FROM retention_rules t WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.project_id",
        columns: &[
            c("project_id", "See projects.csv."),
            c("months", "Age after closing."),
            c("action", "`anonymize` or `delete`."),
            flag("enabled", "Rule active."),
            c("updated_by", "See users.csv."),
            c("updated_at", TIMES),
            c("last_run_at", TIMES),
        ],
    },
    Exporter {
        file: "gdpr_erasures.csv",
        format: Format::Csv,
        about: "Erasures of contacts (GDPR Art. 17): who, when, which contact id, how. Never the erased data.",
        requires: &["gdpr_erasures"],
        from: "FROM gdpr_erasures t WHERE t.client_id = ?1",
        order: "t.id",
        columns: &[
            c("id", "Record id."),
            c("at", TIMES),
            c("actor_id", "See users.csv (empty: command line)."),
            c("actor_email", "Who erased."),
            c("contact_id", "The erased contact's former id."),
            c(
                "mode",
                "`anonymize` (cases kept without personal data) or `delete` (cases deleted).",
            ),
            c(
                "contacts_erased",
                "Contacts removed (with contacts merged into it).",
            ),
            c("cases_affected", "Cases anonymized or deleted."),
            c("messages_affected", "Messages cleared or deleted."),
            c("attachments_removed", "Attachments removed."),
            c("blobs_removed", "Stored files deleted from disk."),
            c(
                "uuid",
                "Stable id of the erasure, shared with the erasure ledger.",
            ),
            c(
                "contact_ids",
                "JSON array of every contact id the erasure removed.",
            ),
            flag(
                "replayed",
                "Re-applied by a restore of a backup older than the erasure.",
            ),
        ],
    },
    Exporter {
        file: "instructions.jsonl",
        format: Format::Jsonl,
        about: "Work instructions to the agents: text, urgency, validity, state (deleted ones included, with `deleted_at`).",
        requires: &["instructions"],
        from: "FROM instructions t WHERE t.client_id = ?1",
        order: "t.id",
        columns: &[
            c("id", "Instruction id."),
            c("title", "Title."),
            c("body_md", "Text as written (Markdown)."),
            c("body_html", "Text as shown (sanitised HTML)."),
            c(
                "urgency",
                "`info` (dismissable) or `acknowledge` (must be acknowledged).",
            ),
            c("state", "`draft`, `published` or `withdrawn`."),
            c("valid_from", TIMES),
            c("valid_to", TIMES),
            c(
                "remind_hours",
                "A put-off must-acknowledge instruction is shown again after these hours (or at the next sign-in); read only when `remind_own` is 1.",
            ),
            flag(
                "remind_own",
                "1: the instruction has its own `remind_hours`; 0: it follows the client's default (instruction_settings.csv, else 4 hours).",
            ),
            c("created_by", "See users.csv."),
            c("created_at", TIMES),
            c("updated_at", TIMES),
            c("published_by", "See users.csv."),
            c("published_at", TIMES),
            c("withdrawn_by", "See users.csv."),
            c("withdrawn_at", TIMES),
            c("deleted_by", "See users.csv."),
            c("deleted_at", TIMES),
        ],
    },
    Exporter {
        file: "instruction_settings.csv",
        format: Format::Csv,
        about: "The client's defaults for work instructions (no row: the built-in ones).",
        requires: &["instruction_settings"],
        from: "FROM instruction_settings t WHERE t.client_id = ?1",
        order: "t.client_id",
        columns: &[
            c("client_id", "See client.csv."),
            c(
                "remind_hours",
                "Hours after which a put-off must-acknowledge instruction without its own hours comes back (built-in default: 4).",
            ),
            c("updated_by", "See users.csv."),
            c("updated_at", TIMES),
        ],
    },
    Exporter {
        file: "instruction_targets.csv",
        format: Format::Csv,
        about: "Whom each instruction applies to: one project or one team per row. No project row: all projects; no team row: all teams.",
        requires: &["instruction_targets", "instructions"],
        from: "FROM instruction_targets t WHERE t.instruction_id IN (SELECT id FROM instructions WHERE client_id = ?1)",
        order: "t.instruction_id, t.project_id, t.team_id",
        columns: &[
            c("instruction_id", "See instructions.jsonl."),
            c("project_id", "See projects.csv."),
            c("team_id", "See teams.csv (a provider team when not there)."),
        ],
    },
    Exporter {
        file: "instruction_acknowledgments.csv",
        format: Format::Csv,
        about: "Who acknowledged which instruction, when.",
        requires: &["instruction_acks", "instructions"],
        from: "FROM instruction_acks t WHERE t.instruction_id IN (SELECT id FROM instructions WHERE client_id = ?1)",
        order: "t.instruction_id, t.user_id",
        columns: &[
            c("instruction_id", "See instructions.jsonl."),
            c("user_id", "See users.csv."),
            c("at", TIMES),
        ],
    },
    Exporter {
        file: "instruction_dismissals.csv",
        format: Format::Csv,
        about: "Banners an agent hid: an information instruction for good, a must-acknowledge one put off (it comes back at the next sign-in or after `remind_hours`).",
        requires: &["instruction_dismissals", "instructions"],
        from: "FROM instruction_dismissals t WHERE t.instruction_id IN (SELECT id FROM instructions WHERE client_id = ?1)",
        order: "t.instruction_id, t.user_id",
        columns: &[
            c("instruction_id", "See instructions.jsonl."),
            c("user_id", "See users.csv."),
            c("at", TIMES),
            c(
                "session_id",
                "The sign-in session it was put off in (internal number).",
            ),
        ],
    },
    Exporter {
        file: "courses.jsonl",
        format: Format::Jsonl,
        about: "Training courses (deleted ones included, with `deleted_at`).",
        requires: &["courses"],
        from: "FROM courses t WHERE t.client_id = ?1",
        order: "t.id",
        columns: &[
            c("id", "Course id."),
            c("title", "Title."),
            c("description", "Description."),
            c(
                "pass_mark",
                "Percent of questions to answer right to pass the check.",
            ),
            c("created_by", "See users.csv."),
            c("created_at", TIMES),
            c("updated_at", TIMES),
            c("deleted_by", "See users.csv."),
            c("deleted_at", TIMES),
        ],
    },
    Exporter {
        file: "course_articles.csv",
        format: Format::Csv,
        about: "The knowledge articles of each course, in order.",
        requires: &["course_articles", "courses"],
        from: "FROM course_articles t WHERE t.course_id IN (SELECT id FROM courses WHERE client_id = ?1)",
        order: "t.course_id, t.position",
        columns: &[
            c("course_id", "See courses.jsonl."),
            c("article_id", "Knowledge article id."),
            c("position", "Order in the course, from 0."),
        ],
    },
    Exporter {
        file: "course_questions.jsonl",
        format: Format::Jsonl,
        about: "The check of each course: multiple-choice questions with their answers and which are right.",
        requires: &["course_questions", "courses"],
        from: "FROM course_questions t WHERE t.course_id IN (SELECT id FROM courses WHERE client_id = ?1)",
        order: "t.course_id, t.position",
        columns: &[
            c("id", "Question id."),
            c("course_id", "See courses.jsonl."),
            c("position", "Order, from 0."),
            c("text", "The question."),
            json("choices", "Array of `{\"text\", \"correct\"}`."),
        ],
    },
    Exporter {
        file: "course_assignments.csv",
        format: Format::Csv,
        about: "To whom each course is assigned: one agent or one team per row, with a due date.",
        requires: &["course_assignments", "courses"],
        from: "FROM course_assignments t WHERE t.course_id IN (SELECT id FROM courses WHERE client_id = ?1)",
        order: "t.id",
        columns: &[
            c("id", "Assignment id."),
            c("course_id", "See courses.jsonl."),
            c("user_id", "See users.csv."),
            c("team_id", "See teams.csv (a provider team when not there)."),
            c("due_on", "Due date, YYYY-MM-DD."),
            c("assigned_by", "See users.csv."),
            c("assigned_at", TIMES),
        ],
    },
    Exporter {
        file: "course_reads.csv",
        format: Format::Csv,
        about: "Which agent read which article of a course, when.",
        requires: &["course_reads", "courses"],
        from: "FROM course_reads t WHERE t.course_id IN (SELECT id FROM courses WHERE client_id = ?1)",
        order: "t.course_id, t.user_id, t.article_id",
        columns: &[
            c("course_id", "See courses.jsonl."),
            c("user_id", "See users.csv."),
            c("article_id", "Knowledge article id."),
            c("at", TIMES),
        ],
    },
    Exporter {
        file: "course_results.csv",
        format: Format::Csv,
        about: "Each agent's training state per course: started, all read, check attempts, last score, passed.",
        requires: &["course_results", "courses"],
        from: "FROM course_results t WHERE t.course_id IN (SELECT id FROM courses WHERE client_id = ?1)",
        order: "t.course_id, t.user_id",
        columns: &[
            c("course_id", "See courses.jsonl."),
            c("user_id", "See users.csv."),
            c("started_at", TIMES),
            c("read_at", TIMES),
            c("attempts", "Check attempts."),
            c("score", "Last check, percent of questions right."),
            c("last_attempt_at", TIMES),
            c("passed_at", TIMES),
        ],
    },
    Exporter {
        file: "audit_log.jsonl",
        format: Format::Jsonl,
        about: "The audit log entries of the client: who did what to which object, when, from where.",
        requires: &["audit_log"],
        from: "FROM audit_log t WHERE t.client_id = ?1",
        order: "t.id",
        columns: &[
            c("id", "Entry id."),
            c("at", TIMES),
            c("actor_id", "See users.csv (empty: command line or system)."),
            c("actor_email", "Who acted."),
            c(
                "action",
                "e.g. `project.create`, `contact.viewed`, `client.export`.",
            ),
            c("object_type", "Kind of object."),
            c("object_id", "Its id."),
            c("ip", "Address of the request."),
            json(
                "details",
                "Details (object); never personal data of contacts.",
            ),
        ],
    },
    Exporter {
        file: "text_modules.jsonl",
        format: Format::Jsonl,
        about: "Text modules (Textbausteine): short answers with `{{placeholders}}` that agents insert \
                into replies (`::shortcut`). Deleted ones are included (`deleted_at`).",
        requires: &["text_modules"],
        from: "FROM text_modules t WHERE t.client_id = ?1",
        order: "t.id",
        columns: &[
            c("id", "Text module id."),
            c(
                "shortcut",
                "Typed after `::` in the composer; unique per language among live modules.",
            ),
            c("language", "`de` or `en`."),
            c("title", "Title."),
            c(
                "body",
                "Plain text with placeholders such as `{{contact.first_name}}`, `{{case.ref}}`, `{{case.custom.KEY}}`.",
            ),
            c("state", "`draft` or `published`."),
            flag(
                "limited",
                "true: only the projects in text_module_projects.csv; false: all projects.",
            ),
            c("created_by", "See users.csv."),
            c("created_at", TIMES),
            c("updated_by", "See users.csv."),
            c("updated_at", TIMES),
            c("published_by", "See users.csv."),
            c("published_at", TIMES),
            c(
                "deleted_at",
                "Set when deleted (restorable). Times in UTC, RFC 3339.",
            ),
            c("deleted_by", "See users.csv."),
        ],
    },
    Exporter {
        file: "text_module_projects.csv",
        format: Format::Csv,
        about: "The projects a limited text module serves.",
        requires: &["text_module_projects", "text_modules"],
        from: "FROM text_module_projects t WHERE t.module_id IN \
               (SELECT m.id FROM text_modules m WHERE m.client_id = ?1)",
        order: "t.module_id, t.project_id",
        columns: &[
            c("module_id", "See text_modules.jsonl."),
            c("project_id", "See projects.csv."),
        ],
    },
    Exporter {
        file: "text_module_attachments.csv",
        format: Format::Csv,
        about: "Files attached to the reply when a text module is inserted. The content is the file \
                `files/<sha256>` in this archive.",
        requires: &["text_module_attachments", "text_modules"],
        from: "FROM text_module_attachments t WHERE t.module_id IN \
               (SELECT m.id FROM text_modules m WHERE m.client_id = ?1)",
        order: "t.id",
        columns: &[
            c("id", "Attachment id."),
            c("module_id", "See text_modules.jsonl."),
            c(
                "sha256",
                "SHA-256 of the content; the file is files/<sha256>.",
            ),
            c("filename", "Original file name."),
            c("content_type", "MIME type."),
            c("size", "Bytes."),
            c("created_by", "See users.csv."),
            c("created_at", TIMES),
        ],
    },
    Exporter {
        file: "text_module_versions.jsonl",
        format: Format::Jsonl,
        about: "The history of each text module: what it was after every save (version 1 is the \
                first; the highest number is what the module is now). Its files are in \
                text_module_version_files.csv.",
        requires: &["text_module_versions", "text_modules"],
        from: "FROM text_module_versions t WHERE t.module_id IN \
               (SELECT m.id FROM text_modules m WHERE m.client_id = ?1)",
        order: "t.module_id, t.number",
        columns: &[
            c("id", "Version id."),
            c("module_id", "See text_modules.jsonl."),
            c("number", "1, 2, 3 … per module."),
            c("shortcut", "The shortcut then."),
            c("language", "`de` or `en`."),
            c("title", "Title then."),
            c("body", "Body then (plain text with placeholders)."),
            flag(
                "limited",
                "true: only the projects in `project_ids`; false: all projects.",
            ),
            json(
                "project_ids",
                "The projects it was limited to then (array of ids, see projects.csv; a project deleted since stays named).",
            ),
            c("saved_by", "See users.csv."),
            c("saved_at", TIMES),
            c(
                "restored_from",
                "The number of the version this one restored, if it is a restore.",
            ),
        ],
    },
    Exporter {
        file: "text_module_version_files.csv",
        format: Format::Csv,
        about: "The files each version of a text module had. The content is the file \
                `files/<sha256>` in this archive.",
        requires: &[
            "text_module_version_files",
            "text_module_versions",
            "text_modules",
        ],
        from: "FROM text_module_version_files t WHERE t.version_id IN \
               (SELECT v.id FROM text_module_versions v JOIN text_modules m ON m.id = v.module_id \
                WHERE m.client_id = ?1)",
        order: "t.version_id, t.position",
        columns: &[
            c("version_id", "See text_module_versions.jsonl."),
            c("position", "Order of the files in the version."),
            c(
                "sha256",
                "SHA-256 of the content; the file is files/<sha256>.",
            ),
            c("filename", "File name."),
            c("content_type", "MIME type."),
            c("size", "Bytes."),
        ],
    },
    Exporter {
        file: "text_module_usage.csv",
        format: Format::Csv,
        about: "How often each agent inserted a text module, per day.",
        requires: &["text_module_usage", "text_modules"],
        from: "FROM text_module_usage t WHERE t.module_id IN \
               (SELECT m.id FROM text_modules m WHERE m.client_id = ?1)",
        order: "t.module_id, t.day, t.user_id",
        columns: &[
            c("module_id", "See text_modules.jsonl."),
            c("user_id", "See users.csv."),
            c("day", "UTC date, YYYY-MM-DD."),
            c("count", "Insertions that day."),
        ],
    },
    Exporter {
        file: "business_calendars.csv",
        format: Format::Csv,
        about: "Business calendars: the time zone and whose public holidays count (issue 15). \
                Opening hours and closures are in the two files after.",
        requires: &["business_calendars"],
        from: "FROM business_calendars t WHERE t.client_id = ?1",
        order: "t.id",
        columns: &[
            c("id", "Calendar id."),
            c("name", "Name."),
            c("time_zone", "IANA time zone, e.g. Europe/Berlin."),
            c(
                "state",
                "German federal state (BW, BY, BE, …) whose public holidays count; empty: none.",
            ),
            c("version", "Bumped by every change."),
            c("created_at", TIMES),
            c("updated_at", TIMES),
            c(
                "recompute_after",
                "Set while the open cases' deadlines are being recomputed after a change: the last \
                 SLA clock id done; empty: nothing pending.",
            ),
        ],
    },
    Exporter {
        file: "business_calendar_hours.csv",
        format: Format::Csv,
        about: "Opening hours of the calendars: intervals per weekday, local time.",
        requires: &["business_calendar_hours", "business_calendars"],
        from: "FROM business_calendar_hours t WHERE t.calendar_id IN \
               (SELECT b.id FROM business_calendars b WHERE b.client_id = ?1)",
        order: "t.calendar_id, t.weekday, t.start_minute",
        columns: &[
            c("calendar_id", "See business_calendars.csv."),
            c("weekday", "0 = Monday … 6 = Sunday."),
            c("start_minute", "Opening, minutes after local midnight."),
            c(
                "end_minute",
                "Closing, minutes after local midnight (1440 = 24:00).",
            ),
        ],
    },
    Exporter {
        file: "business_calendar_closures.csv",
        format: Format::Csv,
        about: "The client's own closed days (company holidays), local dates, inclusive.",
        requires: &["business_calendar_closures", "business_calendars"],
        from: "FROM business_calendar_closures t WHERE t.calendar_id IN \
               (SELECT b.id FROM business_calendars b WHERE b.client_id = ?1)",
        order: "t.calendar_id, t.from_date, t.id",
        columns: &[
            c("id", "Closure id."),
            c("calendar_id", "See business_calendars.csv."),
            c("name", "Name, e.g. Betriebsferien."),
            c("from_date", "First closed day, YYYY-MM-DD."),
            c("to_date", "Last closed day, YYYY-MM-DD."),
        ],
    },
    Exporter {
        file: "webhooks.csv",
        format: Format::Csv,
        about: "Webhooks (issue 15): where the client's events are posted. The signing \
                secret is not exported (it is sealed in the store; set a new one after an \
                import).",
        requires: &["webhooks"],
        from: "FROM webhooks t WHERE t.client_id = ?1",
        order: "t.id",
        columns: &[
            c("id", "Webhook id."),
            c("name", "Name."),
            c("url", "Target URL."),
            c("active", "1: rules may post to it; 0: paused."),
            c("created_at", TIMES),
            c("updated_at", TIMES),
        ],
    },
    Exporter {
        file: "webhook_deliveries.csv",
        format: Format::Csv,
        about: "Deliveries of the webhooks: the JSON body posted, the state and the last \
                attempt's status and time (the answers' bodies are never kept).",
        requires: &["webhook_deliveries", "webhooks"],
        from: "FROM webhook_deliveries t WHERE t.webhook_id IN \
               (SELECT w.id FROM webhooks w WHERE w.client_id = ?1)",
        order: "t.id",
        columns: &[
            c("id", "Delivery id."),
            c("webhook_id", "See webhooks.csv."),
            c(
                "rule_run_id",
                "The rule run that fired it; empty: a test or its re-send.",
            ),
            c("event", "Event kind: test, rule.fired."),
            c("body", "The JSON body posted (signed as sent)."),
            c("state", "queued, sending, delivered or failed."),
            c("attempts", "Attempts made."),
            c("next_attempt_at", TIMES),
            c(
                "last_status",
                "HTTP status of the last attempt, if one came.",
            ),
            c(
                "last_millis",
                "Duration of the last attempt in milliseconds.",
            ),
            c(
                "last_error",
                "Why the last attempt failed, in zezaro's words.",
            ),
            c("resend_of", "The delivery this one sent again."),
            c("created_at", TIMES),
            c("updated_at", TIMES),
            c("delivered_at", TIMES),
        ],
    },
    Exporter {
        file: "sla_policies.jsonl",
        format: Format::Jsonl,
        about: "SLA policies per project: the first active one (by position) whose conditions \
                match a case applies; targets in business minutes of its calendar.",
        requires: &["sla_policies"],
        from: "FROM sla_policies t WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.project_id, t.position, t.id",
        columns: &[
            c("id", "Policy id."),
            c("project_id", "See projects.csv."),
            c("name", "Name."),
            c("position", "Order of evaluation."),
            flag("active", "Whether it applies."),
            c("calendar_id", "See business_calendars.csv."),
            json("priorities", "Condition: priorities (array; empty = any)."),
            json(
                "channels",
                "Condition: channels (array; empty = any written one).",
            ),
            json("topic_ids", "Condition: topics (array; empty = any)."),
            json(
                "organization_ids",
                "Condition: organizations (array; empty = any).",
            ),
            c(
                "first_response_minutes",
                "Target, business minutes; empty: none.",
            ),
            c(
                "next_response_minutes",
                "Target, business minutes; empty: none.",
            ),
            c(
                "resolution_minutes",
                "Target, business minutes; empty: none.",
            ),
            c("warn_percent", "Warning at this share of a target."),
            c("created_at", TIMES),
            c("updated_at", TIMES),
        ],
    },
    Exporter {
        file: "case_sla.csv",
        format: Format::Csv,
        about: "The SLA clocks of the cases: per target and cycle its deadline, warning, breach, \
                achievement and result (for reports and penalties).",
        requires: &["case_sla"],
        from: concat!("FROM case_sla t WHERE ", in_client_cases!("case_id")),
        order: "t.id",
        columns: &[
            c("id", "Clock id."),
            c("case_id", "See cases.jsonl."),
            c(
                "target",
                "`first-response`, `next-response` or `resolution`.",
            ),
            c(
                "cycle",
                "1, or the count of next-response clocks of the case.",
            ),
            c("policy_id", "See sla_policies.jsonl."),
            c("calendar_id", "See business_calendars.csv."),
            c("target_minutes", "Target, business minutes."),
            c("warn_minutes", "Warning after these business minutes."),
            c("started_at", TIMES),
            c(
                "paused_minutes",
                "Business minutes paused while pending on the customer (added to the target).",
            ),
            c("paused_since", TIMES),
            c("state", "`running`, `paused` or `done`."),
            c("due_at", TIMES),
            c("warn_at", TIMES),
            c("warned_at", TIMES),
            c("breached_at", TIMES),
            c("achieved_at", TIMES),
            c(
                "result",
                "`achieved`, `breached` or `cancelled` (solved before a reply was due); empty while running.",
            ),
        ],
    },
    Exporter {
        file: "rules.csv",
        format: Format::Csv,
        about: "Rules (triggers and automations) of the client, in evaluation order; what each \
                does is its current version in rule_versions.jsonl.",
        requires: &["rules"],
        from: "FROM rules t WHERE t.client_id = ?1",
        order: "t.position, t.id",
        columns: &[
            c("id", "Rule id."),
            c("name", "Name (of the current version)."),
            c("position", "Order of evaluation (ascending)."),
            flag("active", "Whether it runs."),
            c(
                "current_version_id",
                "The version that runs; see rule_versions.jsonl.",
            ),
            c("created_at", TIMES),
            c("updated_at", TIMES),
        ],
    },
    Exporter {
        file: "rule_versions.jsonl",
        format: Format::Jsonl,
        about: "Every saved version of every rule: event, condition tree and actions, who saved \
                it when.",
        requires: &["rule_versions", "rules"],
        from: "FROM rule_versions t WHERE t.rule_id IN (SELECT r.id FROM rules r WHERE r.client_id = ?1)",
        order: "t.rule_id, t.version",
        columns: &[
            c("id", "Version id."),
            c("rule_id", "See rules.csv."),
            c("version", "1, 2, … per rule."),
            c("name", "Name."),
            json(
                "project_ids",
                "Projects it is limited to (array; empty = all).",
            ),
            c(
                "event",
                "`case-created`, `case-updated`, `message-received`, `reply-sent`, `time-based`, \
                 `sla-warning` or `sla-breached`.",
            ),
            json(
                "conditions",
                "Condition tree: `{\"all\": [...]}` / `{\"any\": [...]}` of `{field, op, value}`.",
            ),
            json(
                "actions",
                "Actions: `{\"type\": \"set-priority\", ...}` and so on.",
            ),
            c(
                "schedule",
                "Time-based rules: `{\"since\": ..., \"minutes\": N, \"calendar_id\": N|null}` \
                 (JSON text); empty for other events.",
            ),
            c("created_by", "See users.csv."),
            c("created_at", TIMES),
        ],
    },
    Exporter {
        file: "rule_runs.jsonl",
        format: Format::Jsonl,
        about: "Each rule that fired on a case: the event, the chain depth and what it changed.",
        requires: &["rule_runs"],
        from: concat!("FROM rule_runs t WHERE ", in_client_cases!("case_id")),
        order: "t.id",
        columns: &[
            c("id", "Run id."),
            c(
                "rule_id",
                "See rules.csv (empty once the rule was deleted).",
            ),
            c("rule_version_id", "See rule_versions.jsonl."),
            c("case_id", "See cases.jsonl."),
            c(
                "event",
                "The event that fired it (`case-updated` for chained runs).",
            ),
            c("at", TIMES),
            json(
                "changes",
                "Array of `{action, field, old, new}`; `skipped` says why an action did not apply.",
            ),
            c(
                "depth",
                "0 for the event itself, 1–4 for rules fired by rules' changes.",
            ),
        ],
    },
    Exporter {
        file: "rule_time_marks.csv",
        format: Format::Csv,
        about: "Time-based rules that fired on a case, once per moment they count from.",
        requires: &["rule_time_marks"],
        from: concat!("FROM rule_time_marks t WHERE ", in_client_cases!("case_id")),
        order: "t.rule_id, t.case_id, t.since_at",
        columns: &[
            c("rule_id", "See rules.csv."),
            c("case_id", "See cases.jsonl."),
            c("since_at", "The moment it counted from (UTC, RFC 3339)."),
            c("fired_at", TIMES),
        ],
    },
    Exporter {
        file: "rule_notification_mails.csv",
        format: Format::Csv,
        about: "E-mail copies of rule notifications, sent through the case project's mailbox.",
        requires: &["rule_notification_mails"],
        from: concat!(
            "FROM rule_notification_mails t WHERE ",
            in_client_cases!("case_id")
        ),
        order: "t.id",
        columns: &[
            c("id", "Mail id."),
            c("notification_id", "See rule_notifications.csv."),
            c("user_id", "See users.csv."),
            c("case_id", "See cases.jsonl."),
            c("mailbox_id", "See mailboxes.csv."),
            c("to_address", "The user's address."),
            c("subject", "Subject."),
            c("body_text", "Text."),
            c(
                "state",
                "queued, retrying, sent, failed, no-mailbox (the project has none) or dropped \
                 (the user no longer saw the case).",
            ),
            c("attempts", "Attempts so far."),
            c("last_error", "Why the last attempt failed."),
            c("sent_at", TIMES),
            c("created_at", TIMES),
        ],
    },
    Exporter {
        file: "rule_notifications.csv",
        format: Format::Csv,
        about: "Notifications rules sent to users in the UI.",
        requires: &["rule_notifications"],
        from: concat!(
            "FROM rule_notifications t WHERE ",
            in_client_cases!("case_id")
        ),
        order: "t.id",
        columns: &[
            c("id", "Notification id."),
            c("user_id", "See users.csv."),
            c("case_id", "See cases.jsonl."),
            c("rule_id", "See rules.csv."),
            c("text", "The text."),
            c("created_at", TIMES),
            c("read_at", TIMES),
        ],
    },
    Exporter {
        file: "distribution_plans.csv",
        format: Format::Csv,
        about: "Distribution plans (issue 15): every saved version of a project's plan of which \
                team takes new cases; the highest version per project is in force.",
        requires: &["distribution_plans"],
        from: "FROM distribution_plans t WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.project_id, t.version",
        columns: &[
            c("id", "Plan version id."),
            c("project_id", "See projects.csv."),
            c("version", "1, 2, … per project."),
            c(
                "open_cases",
                "What the save did to open cases: `leave`, `move-unassigned` or `move-all`.",
            ),
            c("moved", "Open cases the save moved to another team."),
            c(
                "move_after",
                "Set while the save's move of open cases is running: the last case id done; \
                 empty: done or nothing to move.",
            ),
            c("changed_by_id", "See users.csv."),
            c("changed_by_name", "Who saved it, as then named."),
            c("changed_at", TIMES),
        ],
    },
    Exporter {
        file: "distribution_entries.csv",
        format: Format::Csv,
        about: "The rows of the plans: per topic and channel the teams and their shares \
                (summing to 100 per topic and channel).",
        requires: &["distribution_entries", "distribution_plans"],
        from: "FROM distribution_entries t WHERE t.plan_id IN (SELECT d.id FROM distribution_plans d \
               WHERE d.project_id IN (SELECT id FROM projects WHERE client_id = ?1))",
        order: "t.plan_id, t.rowid",
        columns: &[
            c("plan_id", "See distribution_plans.csv."),
            c("topic_id", "See topics.csv; empty: any topic."),
            c(
                "channel",
                "`email`, `call`, `webform`, `chat`, `letter`; empty: any.",
            ),
            c("team", "`client`, `provider-basic` or `provider-pro`."),
            c(
                "share_percent",
                "Share of the topic and channel's new cases, 1–100.",
            ),
        ],
    },
    Exporter {
        file: "distribution_overflow.csv",
        format: Format::Csv,
        about: "Overflow rules of the plans, in order: a case the plan gives the own team goes \
                to a provider team when the own queue is over a threshold or the calendar is closed.",
        requires: &["distribution_overflow", "distribution_plans"],
        from: "FROM distribution_overflow t WHERE t.plan_id IN (SELECT d.id FROM distribution_plans d \
               WHERE d.project_id IN (SELECT id FROM projects WHERE client_id = ?1))",
        order: "t.plan_id, t.position",
        columns: &[
            c("plan_id", "See distribution_plans.csv."),
            c("position", "Order of evaluation."),
            c("kind", "`queue-over` or `outside-hours`."),
            c(
                "threshold",
                "`queue-over`: more than this many open own-team cases.",
            ),
            c(
                "calendar_id",
                "`outside-hours`: see business_calendars.csv.",
            ),
            c("to_team", "`provider-basic` or `provider-pro`."),
        ],
    },
    Exporter {
        file: "distribution_counters.csv",
        format: Format::Csv,
        about: "How many cases each share group of a plan version has dealt (the deterministic \
                shares continue from here).",
        requires: &["distribution_counters", "distribution_plans"],
        from: "FROM distribution_counters t WHERE t.plan_id IN (SELECT d.id FROM distribution_plans d \
               WHERE d.project_id IN (SELECT id FROM projects WHERE client_id = ?1))",
        order: "t.plan_id, t.topic_key, t.channel",
        columns: &[
            c("plan_id", "See distribution_plans.csv."),
            c("topic_key", "Topic id; 0: any topic."),
            c("channel", "Channel; empty: any."),
            c("seq", "Cases dealt."),
        ],
    },
    Exporter {
        file: "routing_modes.csv",
        format: Format::Csv,
        about: "Routing to agents (issue 15): how new cases of a project's channel reach agents; \
                a channel without a row is `pull`.",
        requires: &["routing_modes"],
        from: "FROM routing_modes t WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.project_id, t.channel",
        columns: &[
            c("project_id", "See projects.csv."),
            c("channel", "`email`, `call`, `webform`, `chat` or `letter`."),
            c("mode", "`pull`, `round-robin` or `least-loaded`."),
            c(
                "cursor_user_id",
                "Round-robin: the agent who got the last case (see users.csv).",
            ),
            c("changed_by_id", "See users.csv."),
            c("changed_at", TIMES),
        ],
    },
    Exporter {
        file: "routing_queue.csv",
        format: Format::Csv,
        about: "Cases of a push-routed channel that no agent could take yet, oldest first.",
        requires: &["routing_queue"],
        from: "FROM routing_queue t WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.queued_at, t.case_id",
        columns: &[
            c("case_id", "See cases.jsonl."),
            c("project_id", "See projects.csv."),
            c("channel", "The case's channel."),
            c("queued_at", TIMES),
            c(
                "reason",
                "`no-agent`, `nobody-available`, `no-skill-match` or `at-capacity`.",
            ),
        ],
    },
    Exporter {
        file: "agent_skills.csv",
        format: Format::Csv,
        about: "Skills of the client's own agents for routing: a language or a topic with a \
                level 1 (basic) to 3 (expert).",
        requires: &["agent_skills"],
        from: "FROM agent_skills t WHERE t.user_id IN (SELECT id FROM users WHERE client_id = ?1)",
        order: "t.user_id, t.kind, t.language, t.topic_id",
        columns: &[
            c("user_id", "See users.csv."),
            c("kind", "`language` or `topic`."),
            c("language", "Language code (language skills)."),
            c("topic_id", "See topics.csv (topic skills)."),
            c("level", "1, 2 or 3."),
        ],
    },
    Exporter {
        file: "agent_capacity.csv",
        format: Format::Csv,
        about: "Capacities of the client's own agents: at most so many open cases of a channel \
                assigned (channels without a row use the default: e-mail 5, call 1, web form 5, \
                chat 3, letter 10).",
        requires: &["agent_capacity"],
        from: "FROM agent_capacity t WHERE t.user_id IN (SELECT id FROM users WHERE client_id = ?1)",
        order: "t.user_id, t.channel",
        columns: &[
            c("user_id", "See users.csv."),
            c("channel", "The channel."),
            c("max_open", "0 to 100 open cases."),
        ],
    },
    Exporter {
        file: "agent_availability.csv",
        format: Format::Csv,
        about: "Availability of the client's own agents (no row: offline).",
        requires: &["agent_availability"],
        from: "FROM agent_availability t WHERE t.user_id IN (SELECT id FROM users WHERE client_id = ?1)",
        order: "t.user_id",
        columns: &[
            c("user_id", "See users.csv."),
            c("state", "`available`, `away` or `offline`."),
            c("since", TIMES),
            c("auto_away", "1 when the idle job set `away`."),
            c("last_activity_at", TIMES),
            c("last_assigned_at", TIMES),
        ],
    },
    Exporter {
        file: "agent_states.csv",
        format: Format::Csv,
        about: "The current state of the client's own agents and of the provider's agents while \
                they work for the client's projects (workforce).",
        requires: &["agent_availability", "break_reasons"],
        from: "FROM agent_availability t LEFT JOIN break_reasons r ON r.id = t.reason_id \
               WHERE t.user_id IN (SELECT id FROM users WHERE client_id = ?1) \
                  OR t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.user_id",
        columns: &[
            c("user_id", "See users.csv."),
            c(
                "work_state",
                "`available`, `on-case`, `after-work`, `break`, `training`, `meeting`, `back-office`, `away` or `offline`.",
            ),
            x("reason", "r.name", "A break's reason."),
            x(
                "project_id",
                "CASE WHEN t.project_id IN (SELECT id FROM projects WHERE client_id = ?1) \
                 THEN t.project_id END",
                "The project worked for (one of the client's; empty otherwise).",
            ),
            c("since", TIMES),
            flag("overrun", "true: after-work past the client's maximum."),
        ],
    },
    Exporter {
        file: "agent_state_log.csv",
        format: Format::Csv,
        about: "Append-only log of agent state changes in the client's projects (and of the \
                client's own agents without a project): productive time is derived from it.",
        requires: &["agent_state_log"],
        from: "FROM agent_state_log t WHERE t.client_id = ?1",
        order: "t.id",
        columns: &[
            c("id", "Log row id (in order of writing)."),
            c("user_id", "See users.csv."),
            c("at", TIMES),
            c("from_state", "The state before."),
            c(
                "to_state",
                "The state from `at` until the agent's next row.",
            ),
            c("reason", "A break's reason, as named then."),
            c("project_id", "See projects.csv."),
            c("case_id", "See cases.jsonl (may be gone)."),
            c(
                "source",
                "What wrote it: `agent`, `workspace`, `sign-in`, `sign-out`, `idle`, `activity`, `heartbeat`, `after-work`, `lead` or `routing-api`.",
            ),
            c(
                "by_user_id",
                "Who changed it (the agent, a lead); empty: the system.",
            ),
        ],
    },
    Exporter {
        file: "productive_time_corrections.csv",
        format: Format::Csv,
        about: "Corrections of productive time by the project lead (signed seconds, with the reason).",
        requires: &["productive_time_corrections"],
        from: "FROM productive_time_corrections t \
               WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.id",
        columns: &[
            c("id", "Correction id."),
            c("user_id", "See users.csv."),
            c("project_id", "See projects.csv."),
            c("day", "Local day (YYYY-MM-DD)."),
            c("seconds", "Added (negative: removed) productive seconds."),
            c("reason", "Why."),
            c("created_by_id", "See users.csv."),
            c("created_at", TIMES),
        ],
    },
    Exporter {
        file: "workforce_settings.csv",
        format: Format::Csv,
        about: "The client's state settings (no row: the defaults).",
        requires: &["workforce_settings"],
        from: "FROM workforce_settings t WHERE t.client_id = ?1",
        order: "t.client_id",
        columns: &[
            c("after_work_max_seconds", "Longest after-work."),
            c(
                "after_work_expiry",
                "`available` (back to available) or `flag`.",
            ),
            c(
                "productive_states",
                "JSON array of the states counted as productive time.",
            ),
            c("time_zone", "The zone whose days cut productive time."),
            c(
                "sign_in_state",
                "The state agents start in after signing in: `away` or `available`.",
            ),
            c("changed_by_id", "See users.csv."),
            c("changed_at", TIMES),
        ],
    },
    Exporter {
        file: "break_reasons.csv",
        format: Format::Csv,
        about: "The client's break reasons.",
        requires: &["break_reasons"],
        from: "FROM break_reasons t WHERE t.client_id = ?1",
        order: "t.id",
        columns: &[
            c("id", "Reason id."),
            c("name", "Name."),
            flag("active", "false: no longer offered."),
            c("position", "Order."),
        ],
    },
    Exporter {
        file: "seats.csv",
        format: Format::Csv,
        about: "Seats the provider staffs in the client's projects: Team Basic (shared agents, a \
                service window and a daily productive time per seat) or Team Pro (exclusive \
                agents).",
        requires: &["seats"],
        from: "FROM seats t WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.id",
        columns: &[
            c("id", "Seat id."),
            c("project_id", "See projects.csv."),
            c("name", "Name of the seat."),
            c("tariff", "`team-basic` or `team-pro`."),
            c(
                "channel",
                "The channel the seat serves; empty: every channel.",
            ),
            c(
                "calendar_id",
                "Team Basic's service window; see business_calendars.csv.",
            ),
            c(
                "productive_minutes",
                "Team Basic's daily productive time per seat, in minutes.",
            ),
            c("valid_from", "First day (local date)."),
            c("valid_to", "Last day (local date); empty: open."),
            c("version", "Edit version."),
            c("created_at", TIMES),
            c("updated_at", TIMES),
        ],
    },
    Exporter {
        file: "seat_assignments.csv",
        format: Format::Csv,
        about: "Which agent fills which seat in which period.",
        requires: &["seat_assignments"],
        from: "FROM seat_assignments t JOIN seats s ON s.id = t.seat_id \
               WHERE s.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.id",
        columns: &[
            c("id", "Assignment id."),
            c("seat_id", "See seats.csv."),
            c("user_id", "See users.csv."),
            c("valid_from", "First day (local date)."),
            c("valid_to", "Last day (local date); empty: open."),
            c("created_by_id", "See users.csv."),
            c("created_at", TIMES),
        ],
    },
    Exporter {
        file: "forecast_settings.csv",
        format: Format::Csv,
        about: "Forecast settings per project (issue 18): staffing interval, deadline, corridors, \
                service targets, shrinkage.",
        requires: &["forecast_settings"],
        from: "FROM forecast_settings t \
               WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.project_id",
        columns: &[
            c("project_id", "See projects.csv."),
            c("interval_minutes", "Staffing interval, 15 or 30 minutes."),
            c(
                "deadline_day",
                "A month's volumes can be changed until this day of the month before.",
            ),
            c("horizon_months", "Months ahead the client plans."),
            c("normal_percent", "Deviation within ± this percent: normal."),
            c(
                "limit_percent",
                "Deviation past ± this percent: beyond the agreed limit.",
            ),
            c(
                "service_level_percent",
                "Calls: percent answered within answer_seconds.",
            ),
            c("answer_seconds", "Calls: the answer target."),
            c(
                "patience_seconds",
                "Calls: average patience (Erlang A); empty: Erlang C.",
            ),
            c("max_occupancy_percent", "Calls: highest occupancy."),
            c("shrinkage_percent", "Paid time not on cases."),
            c(
                "response_minutes",
                "Written channels: the response-time target.",
            ),
            c(
                "fte_minutes",
                "Paid minutes of one full-time equivalent per day.",
            ),
            c("version", "Edit version."),
            c("updated_at", TIMES),
        ],
    },
    Exporter {
        file: "forecast_aht.csv",
        format: Format::Csv,
        about: "Handling times per project and channel set by hand for the forecast.",
        requires: &["forecast_aht"],
        from: "FROM forecast_aht t \
               WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.project_id, t.channel",
        columns: &[
            c("project_id", "See projects.csv."),
            c("channel", "`email`, `call`, `webform`, `chat` or `letter`."),
            c(
                "seconds",
                "Handling time per case incl. after-work, seconds.",
            ),
        ],
    },
    Exporter {
        file: "forecast_versions.csv",
        format: Format::Csv,
        about: "Every saved version of a project's forecast (planned volumes).",
        requires: &["forecast_versions"],
        from: "FROM forecast_versions t \
               WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.id",
        columns: &[
            c("id", "Version id."),
            c("project_id", "See projects.csv."),
            c("version", "Version number per project, from 1."),
            c("note", "The saver's note."),
            c("created_by_id", "See users.csv."),
            c("created_by_name", "Name of the saver at the time."),
            c("created_at", TIMES),
        ],
    },
    Exporter {
        file: "forecast_volumes.csv",
        format: Format::Csv,
        about: "The planned volumes of each forecast version: the whole forecast as saved.",
        requires: &["forecast_volumes", "forecast_versions"],
        from: "FROM forecast_volumes t JOIN forecast_versions v ON v.id = t.version_id \
               WHERE v.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.version_id, t.month, t.channel",
        columns: &[
            c("version_id", "See forecast_versions.csv."),
            c(
                "month",
                "Calendar month, YYYY-MM (the project's time zone).",
            ),
            c("channel", "`email`, `call`, `webform`, `chat` or `letter`."),
            c("volume", "Planned cases."),
        ],
    },
    Exporter {
        file: "forecast_profiles.jsonl",
        format: Format::Jsonl,
        about: "Weekday and intraday profiles and handling times learned from each project's \
                cases (null shares: too few cases, the default profile applies).",
        requires: &["forecast_profiles"],
        from: "FROM forecast_profiles t \
               WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.project_id, t.channel",
        columns: &[
            c("project_id", "See projects.csv."),
            c("channel", "`email`, `call`, `webform`, `chat` or `letter`."),
            c("cases", "Cases learned from."),
            json(
                "weekday_shares",
                "Share of the week per weekday, Monday first; an eighth entry: a public \
                 holiday's weight on that scale (when the window held holidays).",
            ),
            json(
                "intraday_shares",
                "Per weekday, the share of the day per quarter hour of the local clock from \
                 00:00; an eighth curve: public holidays' (when they had enough cases).",
            ),
            c(
                "aht_seconds",
                "Learned handling time per case incl. after-work, seconds.",
            ),
            c("aht_cases", "Cases with handling time learned from."),
            c("from_day", "First local day learned from."),
            c("to_day", "Last local day learned from."),
            c("learned_at", TIMES),
        ],
    },
    Exporter {
        file: "forecast_deviations.csv",
        format: Format::Csv,
        about: "Months and channels whose actual volume left the agreed corridor of the forecast.",
        requires: &["forecast_deviations"],
        from: "FROM forecast_deviations t \
               WHERE t.project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        order: "t.project_id, t.month, t.channel",
        columns: &[
            c("project_id", "See projects.csv."),
            c("month", "Calendar month, YYYY-MM."),
            c("channel", "`email`, `call`, `webform`, `chat` or `letter`."),
            c("forecast_volume", "The binding forecast."),
            c("actual_volume", "Cases that came in."),
            c(
                "deviation_percent",
                "(actual − forecast) / forecast · 100; empty for a forecast of 0.",
            ),
            c("limit_percent", "The agreed limit at the time."),
            c("forecast_version", "The forecast version compared with."),
            c("recorded_at", TIMES),
        ],
    },
];

/// Where the client's stored files (blobs) are named: (tables needed, a
/// SELECT of their sha256 with `?1` = client id). Another table holding
/// files is one more entry here.
/// The store's tables that no client export carries, each with the reason
/// (a test holds every table to being exported or listed here). Secrets
/// (password hashes aside, which no exporter selects) stay out like
/// sessions and API tokens; so does what is the platform's, not a client's.
pub const NOT_EXPORTED: &[(&str, &str)] = &[
    ("schema_migrations", "the store's own version"),
    ("sessions", "secret: sign-in sessions (token hashes)"),
    ("api_tokens", "secret: API tokens (hashes)"),
    ("settings", "platform settings, not a client's"),
    (
        "blobs",
        "the registry of stored files; their contents are under files/",
    ),
    ("service_states", "the appliance's background services"),
    ("backups", "the appliance's backups"),
    (
        "web_form_used_tokens",
        "spam protection: ids of used form tokens until they expire",
    ),
    (
        "web_form_held",
        "spam protection: submissions held past a form's hourly limit until released (then a case) or discarded",
    ),
    (
        "outbox",
        "transient: ids of changes a channel has not sent yet",
    ),
    ("rules_state", "a cache key of the compiled rules"),
    (
        "config_stamp",
        "a cache key of the configuration case writes read (SLA policies, calendars, fields)",
    ),
    ("routing_settings", "platform settings of routing"),
    (
        "routing_announcements",
        "transient: live events not sent yet",
    ),
    (
        "case_counts",
        "derived: cases counted by triggers (a recount of cases.jsonl)",
    ),
    (
        "agent_open_loads",
        "derived: open cases per assignee and channel, counted by triggers",
    ),
    ("case_search", "derived: the cases' full-text index"),
    ("contact_search", "derived: the contacts' full-text index"),
    (
        "search_backlog",
        "transient: full-text rows not written yet (a write load's)",
    ),
    (
        "organization_search",
        "derived: the organizations' full-text index",
    ),
    ("kb_search", "derived: the knowledge base's full-text index"),
    (
        "case_pairs",
        "derived: word pairs of the cases' full-text index",
    ),
    (
        "case_pairs_state",
        "derived: how far the word pairs are filled in",
    ),
    (
        "password_tokens",
        "secret: one-time links to set a password (only their hashes)",
    ),
    (
        "platform_mail",
        "the platform's outbox: invitations and reset links (sealed)",
    ),
    (
        "platform_sender",
        "the platform's SMTP account, not a client's; its password is sealed",
    ),
];

pub const BLOB_SOURCES: &[(&[&str], &str)] = &[
    (
        &["attachments"],
        concat!(
            "SELECT t.sha256 FROM attachments t WHERE ",
            in_client_cases!("case_id")
        ),
    ),
    (
        &["text_module_attachments", "text_modules"],
        "SELECT t.sha256 FROM text_module_attachments t WHERE t.module_id IN \
         (SELECT m.id FROM text_modules m WHERE m.client_id = ?1)",
    ),
    (
        &[
            "text_module_version_files",
            "text_module_versions",
            "text_modules",
        ],
        "SELECT t.sha256 FROM text_module_version_files t WHERE t.version_id IN \
         (SELECT v.id FROM text_module_versions v JOIN text_modules m ON m.id = v.module_id \
          WHERE m.client_id = ?1)",
    ),
    (
        &["kb_attachments"],
        "SELECT t.sha256 FROM kb_attachments t WHERE t.client_id = ?1",
    ),
    (
        &["mail_inbound", "mailboxes"],
        concat!(
            "SELECT t.raw_sha256 FROM mail_inbound t WHERE ",
            in_client_cases!("case_id"),
            " OR t.mailbox_id IN (SELECT b.id FROM mailboxes b WHERE b.project_id IN \
             (SELECT id FROM projects WHERE client_id = ?1))"
        ),
    ),
];

/// The README inside the archive: every file and field.
pub fn readme(client_name: &str, created_at: &str, exporters: &[&Exporter]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# zezaro data export: {client_name}\n\n\
         Created {created_at} by zezaro {version}. Everything of this client at one moment \
         (one consistent snapshot of the store).\n\n\
         ## Layout\n\n\
         - `README.md` — this file.\n\
         - `*.csv` — comma-separated, UTF-8, header row, RFC 4180 quoting; empty cell = no value; \
         booleans as `true`/`false`; JSON-valued columns as JSON text. \
         A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a `'` \
         in front, so that spreadsheets show it as text instead of running it as a formula \
         (a value that starts with `'` gets one more); drop one leading `'` to get the stored value.\n\
         - `*.jsonl` — JSON Lines: one JSON object per line, keys as documented below; \
         no value = `null`; custom field values and details as nested JSON.\n\
         - `files/<sha256>` — stored files (attachment contents), named by the SHA-256 of their content; \
         `attachments.csv` and `kb_attachments.csv` name them.\n\
         - `manifest.json` — format version, client, creation time, and for every file its rows, \
         bytes and SHA-256 (to check completeness: `sha256sum`).\n\n\
         Ids are the store's integer ids; a column ending in `_id` refers to the `id` of the named file. \
         Times are {TIMES}.\n\n\
         ## Files\n",
        version = env!("CARGO_PKG_VERSION"),
    ));
    for e in exporters {
        out.push_str(&format!(
            "\n### {} ({})\n\n{}\n\n| field | meaning |\n| --- | --- |\n",
            e.file,
            e.format.as_str(),
            e.about
        ));
        for col in e.columns {
            out.push_str(&format!(
                "| `{}` | {} |\n",
                col.name,
                col.doc.replace('|', "\\|")
            ));
        }
    }
    out.push_str(
        "\n### manifest.json\n\n\
         | field | meaning |\n| --- | --- |\n\
         | `format` | Always `zezaro-client-export`. |\n\
         | `format_version` | 1 for this layout. |\n\
         | `client` | `id` and `name` of the client. |\n\
         | `created_at` | When the snapshot was taken. |\n\
         | `zezaro_version` | Version of the program that wrote it. |\n\
         | `files` | Per file: `path`, `format`, `rows` (data rows, without CSV header), `bytes`, `sha256`. |\n\
         | `blobs` | `count`, `bytes` and `missing` (hashes whose file was missing on disk). |\n\
         | `skipped` | Files left out because the store had no such table. |\n",
    );
    out
}
