use super::prepare::sha256_hex;
use super::*;
use crate::blobs::BlobStore;
use crate::cases::CaseHub;
use crate::db::{Db, StoreError};
use crate::ids::{CaseId, ClientId, ProjectId};
use crate::mail::parse::Limits;

struct Fixture {
    _dir: tempfile::TempDir,
    db: Db,
    blobs: BlobStore,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = Db::open(dir.path()).unwrap();
    crate::demo::seed(&db).unwrap();
    let blobs = BlobStore::new(dir.path());
    Fixture {
        _dir: dir,
        db,
        blobs,
    }
}

/// A mailbox row for the project with this key.
fn target(db: &Db, key: &str) -> Target {
    db.write_blocking(|tx| {
            let (project_id, client_id): (ProjectId, ClientId) = tx.query_row(
                "SELECT id, client_id FROM projects WHERE key = ?1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            tx.execute(
                "INSERT INTO mailboxes (project_id, name, address, imap_host, imap_port, imap_security,
                     imap_username, imap_password_sealed, smtp_host, smtp_port, smtp_security, created_at, updated_at)
                 VALUES (?1, 'm', ?2, '127.0.0.1', 143, 'plain', 'u', x'00', '127.0.0.1', 25, 'plain', 'now', 'now')",
                rusqlite::params![project_id, format!("support@{}.example", key.to_lowercase())],
            )?;
            Ok::<_, StoreError>(Target {
                mailbox_id: tx.last_insert_rowid(),
                project_id,
                client_id,
            })
        })
        .unwrap()
}

fn take(f: &Fixture, t: Target, uid: u32, raw: &str) -> Outcome {
    let mut batch = BlobBatch::new(&f.blobs);
    let prepared = prepare(&mut batch, raw.as_bytes(), Limits::for_attachments(1 << 20)).unwrap();
    batch.commit().unwrap();
    f.db.write_blocking(|tx| ingest(tx, t, Some(7), Some(uid), &prepared))
        .unwrap()
}

fn case_of(outcome: &Outcome) -> CaseId {
    match outcome {
        Outcome::Filed {
            case_id: Some(id), ..
        } => *id,
        other => panic!("not filed: {other:?}"),
    }
}

fn count(db: &Db, sql: &str, id: i64) -> i64 {
    db.read_blocking(|c| Ok::<_, StoreError>(c.query_row(sql, [id], |r| r.get(0))?))
        .unwrap()
}

#[test]
fn replies_thread_and_repeats_are_not_filed_twice() {
    let f = fixture();
    let acme = target(&f.db, "ACME");
    let first = take(
        &f,
        acme,
        1,
        "From: Kim <kim@kunde.example>\r\nSubject: Hilfe\r\nMessage-ID: <m1@kunde.example>\r\n\r\nErste Nachricht\r\n",
    );
    let case_id = case_of(&first);
    assert!(matches!(
        first,
        Outcome::Filed {
            new_case: true,
            flagged: false,
            ..
        }
    ));
    // The same UID again, and the same Message-ID under another UID.
    assert!(matches!(
        take(
            &f,
            acme,
            1,
            "From: x@y.example\r\nSubject: other\r\n\r\nx\r\n"
        ),
        Outcome::Duplicate { .. }
    ));
    assert!(matches!(
        take(
            &f,
            acme,
            2,
            "From: Kim <kim@kunde.example>\r\nSubject: Hilfe\r\nMessage-ID: <m1@kunde.example>\r\n\r\nErste Nachricht\r\n"
        ),
        Outcome::Duplicate { .. }
    ));
    // A reply threads by In-Reply-To.
    let reply = take(
        &f,
        acme,
        3,
        "From: kim@kunde.example\r\nSubject: Re: Hilfe\r\nMessage-ID: <m2@kunde.example>\r\nIn-Reply-To: <m1@kunde.example>\r\n\r\nNoch was\r\n",
    );
    assert_eq!(case_of(&reply), case_id);
    assert_eq!(
        count(
            &f.db,
            "SELECT count(*) FROM messages WHERE case_id = ?1",
            case_id.get()
        ),
        2
    );
    assert_eq!(
        count(
            &f.db,
            "SELECT count(*) FROM mail_message_ids WHERE case_id = ?1 AND direction = 'in'",
            case_id.get()
        ),
        2
    );
    // The case number in the subject, without threading headers.
    let reference: String = f
            .db
            .read_blocking(|c| {
                Ok::<_, StoreError>(c.query_row(
                    "SELECT p.key || '-' || c.number FROM cases c JOIN projects p ON p.id = c.project_id WHERE c.id = ?1",
                    [case_id],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
    let by_subject = take(
        &f,
        acme,
        4,
        &format!(
            "From: kim@kunde.example\r\nSubject: AW: [{reference}] Hilfe\r\n\r\nper Betreff\r\n"
        ),
    );
    assert_eq!(case_of(&by_subject), case_id);
    // The same Message-ID at another client opens a case there.
    let nord = target(&f.db, "NORD");
    let foreign = take(
        &f,
        nord,
        1,
        &format!(
            "From: kim@kunde.example\r\nSubject: Re: [{reference}]\r\nMessage-ID: <m3@kunde.example>\r\nIn-Reply-To: <m1@kunde.example>\r\n\r\nfremd\r\n"
        ),
    );
    assert_ne!(case_of(&foreign), case_id);
    assert_eq!(
        count(
            &f.db,
            "SELECT project_id FROM cases WHERE id = ?1",
            case_of(&foreign).get()
        ),
        nord.project_id.get()
    );
}

#[test]
fn a_customer_reply_reopens_an_auto_reply_does_not() {
    let f = fixture();
    let acme = target(&f.db, "ACME");
    let case_id = case_of(&take(
        &f,
        acme,
        1,
        "From: kim@kunde.example\r\nSubject: Hilfe\r\nMessage-ID: <r1@kunde.example>\r\n\r\nx\r\n",
    ));
    let solve = |db: &Db| {
        db.write_blocking(|tx| {
            tx.execute(
                "UPDATE cases SET status = 'solved' WHERE id = ?1",
                [case_id],
            )?;
            Ok::<_, StoreError>(())
        })
        .unwrap()
    };
    let status = |db: &Db| -> String {
        db.read_blocking(|c| {
            Ok::<_, StoreError>(c.query_row(
                "SELECT status FROM cases WHERE id = ?1",
                [case_id],
                |r| r.get(0),
            )?)
        })
        .unwrap()
    };
    solve(&f.db);
    take(
        &f,
        acme,
        2,
        "From: kim@kunde.example\r\nSubject: Abwesend\r\nAuto-Submitted: auto-replied\r\nIn-Reply-To: <r1@kunde.example>\r\n\r\nweg\r\n",
    );
    assert_eq!(status(&f.db), "solved");
    take(
        &f,
        acme,
        3,
        "From: kim@kunde.example\r\nSubject: Re: Hilfe\r\nIn-Reply-To: <r1@kunde.example>\r\n\r\ndoch noch\r\n",
    );
    assert_eq!(status(&f.db), "open");
}

fn batch_of(n: u32) -> Vec<(u32, Vec<u8>)> {
    (1..=n)
            .map(|uid| {
                let raw = format!(
                    "From: kunde{uid}@kunde.example\r\nSubject: Frage {uid}\r\nMessage-ID: <p{uid}@kunde.example>\r\n\
                     MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
                     Content-Type: text/plain\r\n\r\nText {uid}\r\n--b\r\nContent-Type: application/pdf\r\n\
                     Content-Disposition: attachment; filename=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n\
                     UERGIHt7dWlkfX0=\r\n--b--\r\n"
                );
                (uid, raw.into_bytes())
            })
            .collect()
}

fn packs(f: &Fixture) -> Vec<std::path::PathBuf> {
    crate::blobs::pack::list(&f.blobs).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_packed_and_reads_back() {
    let f = fixture();
    let acme = target(&f.db, "ACME");
    let hub = CaseHub::default();
    // More messages than one pipeline chunk, the same attachment twice.
    let raws = batch_of(25);
    let filed = file_batch(
        &f.db,
        &f.blobs,
        &hub,
        Limits::for_attachments(1 << 20),
        acme,
        3,
        raws.clone(),
    )
    .await
    .unwrap();
    assert_eq!(filed.outcomes.len(), 25);
    assert_eq!(packs(&f).len(), 1, "one pack per batch");
    for (uid, raw) in &raws {
        let (sha, location) =
            f.db.read_blocking(|c| {
                let sha: String = c.query_row(
                    "SELECT raw_sha256 FROM mail_inbound WHERE mailbox_id = ?1 AND uid = ?2",
                    rusqlite::params![acme.mailbox_id, uid],
                    |r| r.get(0),
                )?;
                let location = crate::blobs::store::locate(c, &f.blobs, &sha)?;
                Ok::<_, StoreError>((sha, location))
            })
            .unwrap();
        let location = location.expect("a row for the raw message");
        assert!(
            matches!(location, crate::blobs::Location::Packed { .. }),
            "{sha}"
        );
        assert_eq!(&f.blobs.read(&location).unwrap(), raw);
    }
    // The one attachment content is stored once.
    let attachments = count(&f.db, "SELECT count(*) FROM blobs WHERE size = ?1", 11);
    assert_eq!(attachments, 1);
    // Contents stored before are not packed again: the same batch
    // again is all duplicates and writes no pack; a new message with
    // the known attachment packs only its raw bytes.
    let again = file_batch(
        &f.db,
        &f.blobs,
        &hub,
        Limits::for_attachments(1 << 20),
        acme,
        3,
        raws,
    )
    .await
    .unwrap();
    assert!(
        again
            .outcomes
            .iter()
            .all(|o| matches!(o, Outcome::Duplicate { .. }))
    );
    assert_eq!(packs(&f).len(), 1);
    let mut next = batch_of(26);
    let newest = next.split_off(25);
    file_batch(
        &f.db,
        &f.blobs,
        &hub,
        Limits::for_attachments(1 << 20),
        acme,
        3,
        newest.clone(),
    )
    .await
    .unwrap();
    let packs = packs(&f);
    assert_eq!(packs.len(), 2);
    let sizes: Vec<u64> = packs
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .collect();
    assert!(sizes.contains(&(newest[0].1.len() as u64)), "{sizes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_batch_commits_nothing_and_leaves_no_pack() {
    let f = fixture();
    let acme = target(&f.db, "ACME");
    let hub = CaseHub::default();
    let limits = Limits::for_attachments(1 << 20);
    // The writer fails (no such mailbox: the record's foreign key):
    // nothing is filed, and the pack written meanwhile is removed.
    let missing = Target {
        mailbox_id: 999_999,
        ..acme
    };
    assert!(
        file_batch(&f.db, &f.blobs, &hub, limits, missing, 3, batch_of(15))
            .await
            .is_err()
    );
    assert!(packs(&f).is_empty(), "{:?}", packs(&f));
    // The contents cannot be written: nothing is filed either.
    let _ = std::fs::remove_dir(f.blobs.packs_dir());
    std::fs::create_dir_all(f._dir.path().join("attachments")).unwrap();
    std::fs::write(f.blobs.packs_dir(), b"not a directory").unwrap();
    assert!(
        file_batch(&f.db, &f.blobs, &hub, limits, acme, 3, batch_of(15))
            .await
            .is_err()
    );
    let filed = count(
        &f.db,
        "SELECT count(*) FROM mail_inbound WHERE mailbox_id = ?1",
        acme.mailbox_id,
    );
    assert_eq!(filed, 0);
    let cases = count(
        &f.db,
        "SELECT count(*) FROM cases WHERE subject LIKE 'Frage %' AND ?1",
        1,
    );
    assert_eq!(cases, 0);
}

#[test]
fn contents_left_out_as_stored_must_still_be_stored() {
    let f = fixture();
    let acme = target(&f.db, "ACME");
    let raw = batch_of(1).remove(0).1;
    // The raw message was seen as stored, but its row is gone (an
    // erasure between the look and the write): nothing is filed.
    let mut batch = BlobBatch::new(&f.blobs);
    batch.skip_stored([sha256_hex(&raw)].into());
    let prepared = prepare(&mut batch, &raw, Limits::for_attachments(1 << 20)).unwrap();
    assert!(prepared.raw.pack.is_none());
    batch.commit().unwrap();
    let filed =
        f.db.write_blocking(|tx| file_prepared(tx, acme, 3, &[(1, prepared)]));
    assert!(filed.is_err());
    let taken = count(
        &f.db,
        "SELECT count(*) FROM mail_inbound WHERE mailbox_id = ?1",
        acme.mailbox_id,
    );
    assert_eq!(taken, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_batches_are_filed_in_order() {
    let f = fixture();
    let acme = target(&f.db, "ACME");
    let limits = Limits::for_attachments(1 << 20);
    let hub = std::sync::Arc::new(CaseHub::default());
    let mut pipeline = Pipeline::new(f.db.clone(), f.blobs.clone(), hub, limits, acme, 3);
    // The second batch answers the first: it can only thread if the
    // first is filed before it.
    let replies: Vec<(u32, Vec<u8>)> = (21..=40)
            .map(|uid| {
                let raw = format!(
                    "From: kunde{uid}@kunde.example\r\nSubject: Nachtrag\r\nIn-Reply-To: <p{}@kunde.example>\r\n\r\nNoch etwas.\r\n",
                    uid - 20
                );
                (uid, raw.into_bytes())
            })
            .collect();
    assert!(pipeline.push(batch_of(20)).await.unwrap().is_none());
    let first = pipeline
        .push(replies)
        .await
        .unwrap()
        .expect("the first batch");
    assert_eq!(first.uids, (1..=20).collect::<Vec<_>>());
    let second = pipeline.finish().await.unwrap().expect("the second batch");
    assert_eq!(second.uids, (21..=40).collect::<Vec<_>>());
    for (outcome, original) in second.outcomes.iter().zip(&first.outcomes) {
        assert!(
            matches!(
                outcome,
                Outcome::Filed {
                    new_case: false,
                    ..
                }
            ),
            "{outcome:?}"
        );
        assert_eq!(case_of(outcome), case_of(original));
    }
    assert!(pipeline.finish().await.unwrap().is_none());
}

fn record_of(f: &Fixture, outcome: &Outcome) -> (Option<CaseId>, String, String) {
    let id = match outcome {
        Outcome::Filed { inbound_id, .. } => *inbound_id,
        other => panic!("not filed: {other:?}"),
    };
    f.db.read_blocking(|c| {
        Ok::<_, StoreError>(c.query_row(
            "SELECT case_id, flags, threaded_by FROM mail_inbound WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    })
    .unwrap()
}

#[test]
fn a_reused_message_id_is_filed_flagged_and_threaded_by_it() {
    let f = fixture();
    let acme = target(&f.db, "ACME");
    let original = "From: kim@kunde.example\r\nSubject: Hilfe\r\nMessage-ID: <same@kunde.example>\r\n\r\nErste Nachricht\r\n";
    let case_id = case_of(&take(&f, acme, 1, original));
    // Another message under the same Message-ID (a broken client).
    let other = "From: kim@kunde.example\r\nSubject: Noch eine Frage\r\nMessage-ID: <same@kunde.example>\r\n\r\nGanz anderer Inhalt\r\n";
    let reused = take(&f, acme, 2, other);
    assert!(
        matches!(
            reused,
            Outcome::Filed {
                new_case: false,
                flagged: true,
                ..
            }
        ),
        "{reused:?}"
    );
    let (filed_in, flags, threaded_by) = record_of(&f, &reused);
    assert_eq!(filed_in, Some(case_id));
    assert_eq!(flags, "message-id-reused");
    assert_eq!(threaded_by, "message-id");
    let texts = count(
        &f.db,
        "SELECT count(*) FROM messages WHERE case_id = ?1 AND body_text LIKE '%anderer Inhalt%'",
        case_id.get(),
    );
    assert_eq!(texts, 1);
    // Copies of either, by another route under other UIDs, are repeats.
    let copy = format!("Received: from relay.example by mx.example\r\n{original}");
    assert!(matches!(
        take(&f, acme, 3, &copy),
        Outcome::Duplicate { .. }
    ));
    let copy = format!("Received: from relay.example by mx.example\r\n{other}");
    assert!(matches!(
        take(&f, acme, 4, &copy),
        Outcome::Duplicate { .. }
    ));
    // Without a Message-ID too: the copy's raw bytes differ, not its content.
    let anonymous = "From: kim@kunde.example\r\nSubject: Ohne ID\r\nDate: Tue, 1 Dec 2026 10:00:00 +0100\r\n\r\nText\r\n";
    assert!(matches!(
        take(&f, acme, 5, anonymous),
        Outcome::Filed { .. }
    ));
    let copy = format!("Received: from relay.example by mx.example\r\n{anonymous}");
    assert!(matches!(
        take(&f, acme, 6, &copy),
        Outcome::Duplicate { .. }
    ));
    assert_eq!(
        count(
            &f.db,
            "SELECT count(*) FROM mail_inbound WHERE mailbox_id = ?1",
            acme.mailbox_id
        ),
        3
    );
}

#[test]
fn mail_from_our_own_users_makes_no_contact() {
    let f = fixture();
    let acme = target(&f.db, "ACME");
    let contacts = |db: &Db, email: &str| -> i64 {
        db.read_blocking(|c| {
            Ok::<_, StoreError>(c.query_row(
                "SELECT count(*) FROM contact_emails WHERE email = ?1",
                [email],
                |r| r.get(0),
            )?)
        })
        .unwrap()
    };
    // Acme's own agent, and the provider's admin.
    for (uid, from) in [
        (1, "anna.schmidt@acme-energie.example"),
        (2, "Admin@Zezaro.example"),
    ] {
        let outcome = take(
            &f,
            acme,
            uid,
            &format!("From: {from}\r\nSubject: Weitergeleitet {uid}\r\n\r\nvom Kunden\r\n"),
        );
        let (case_id, flags, _) = record_of(&f, &outcome);
        assert_eq!(flags, "sender-is-user", "{from}");
        let contact: Option<i64> =
            f.db.read_blocking(|c| {
                Ok::<_, StoreError>(c.query_row(
                    "SELECT contact_id FROM cases WHERE id = ?1",
                    [case_id.unwrap()],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(contact, None, "{from}");
        assert_eq!(contacts(&f.db, &from.to_lowercase()), 0, "{from}");
    }
    // Another client's user may be a customer here.
    let outcome = take(
        &f,
        acme,
        3,
        "From: jonas.weber@nordlicht.example\r\nSubject: Frage\r\n\r\nals Kunde\r\n",
    );
    assert!(
        matches!(outcome, Outcome::Filed { flagged: false, .. }),
        "{outcome:?}"
    );
    assert_eq!(contacts(&f.db, "jonas.weber@nordlicht.example"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_repeats_leaves_no_pack() {
    let f = fixture();
    let acme = target(&f.db, "ACME");
    let hub = CaseHub::default();
    let limits = Limits::for_attachments(1 << 20);
    file_batch(&f.db, &f.blobs, &hub, limits, acme, 3, batch_of(5))
        .await
        .unwrap();
    assert_eq!(packs(&f).len(), 1);
    // The same messages by another route (new raw bytes, so they are
    // packed) under new UIDs: all repeats.
    let again: Vec<(u32, Vec<u8>)> = batch_of(5)
        .into_iter()
        .map(|(uid, raw)| {
            let mut copy = b"Received: from relay.example by mx.example\r\n".to_vec();
            copy.extend(raw);
            (uid + 100, copy)
        })
        .collect();
    let filed = file_batch(&f.db, &f.blobs, &hub, limits, acme, 3, again)
        .await
        .unwrap();
    assert!(
        filed
            .outcomes
            .iter()
            .all(|o| matches!(o, Outcome::Duplicate { .. })),
        "{:?}",
        filed.outcomes
    );
    let left = packs(&f);
    assert_eq!(left.len(), 1, "{left:?}");
    let names: Vec<String> = left
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        f.db.read_blocking(|c| crate::blobs::pack::is_named(c, &names[0]))
            .unwrap()
    );
}

#[test]
fn a_failing_message_gets_the_careful_path_and_loses_nothing() {
    let f = fixture();
    let acme = target(&f.db, "ACME");
    let limits = Limits::for_attachments(1 << 20);
    let mut batch = BlobBatch::new(&f.blobs);
    let raws = batch_of(12);
    let prepared: Vec<(u32, Prepared)> = raws
        .iter()
        .map(|(uid, raw)| (*uid, prepare(&mut batch, raw, limits).unwrap()))
        .collect();
    batch.commit().unwrap();
    // Cases cannot be opened in an inactive project: every message of
    // the chunk fails the quick path; each is then kept as a flagged
    // record (raw message stored), none is dropped.
    f.db.write_blocking(|tx| {
        tx.execute(
            "UPDATE projects SET active = 0 WHERE id = ?1",
            [acme.project_id],
        )?;
        Ok::<_, StoreError>(())
    })
    .unwrap();
    let outcomes =
        f.db.write_blocking(|tx| file_prepared(tx, acme, 3, &prepared))
            .unwrap();
    assert_eq!(outcomes.len(), 12);
    for outcome in &outcomes {
        assert!(
            matches!(
                outcome,
                Outcome::Filed {
                    case_id: None,
                    flagged: true,
                    ..
                }
            ),
            "{outcome:?}"
        );
    }
    let records = count(
        &f.db,
        "SELECT count(*) FROM mail_inbound WHERE mailbox_id = ?1 AND problem IS NOT NULL",
        acme.mailbox_id,
    );
    assert_eq!(records, 12);
}
