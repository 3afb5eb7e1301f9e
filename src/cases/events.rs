//! Live updates: case events and presence, fanned out to the workspace over
//! Server-Sent Events. In memory only: a client that reconnects re-reads.

use crate::ids::{CaseId, ClientId, ProjectId, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::broadcast;
use utoipa::ToSchema;

use super::model::{Case, Viewer};
use crate::auth::Principal;
use crate::auth::policy::{self, ProjectRef};
use crate::db::{Db, StoreError};

/// How long a presence heartbeat counts.
const PRESENCE_TTL: Duration = Duration::from_secs(45);

/// The data of the `case` event on `/api/v1/events`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseEvent {
    /// `created`, `updated`, `message` or `delivery`.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub kind: &'static str,
    pub case_id: CaseId,
    pub project_id: ProjectId,
    /// For the receiver's visibility check; not sent.
    #[serde(skip)]
    pub client_id: ClientId,
    pub version: i64,
    pub by_user_id: Option<UserId>,
    pub by_name: Option<String>,
    /// The case's handling team, for the receiver's check (a provider
    /// agent in a project with a distribution plan receives only their
    /// team's cases); not sent. `None`: unknown, not sent to such agents.
    #[serde(skip)]
    pub handling: Option<policy::CaseHandling>,
}

/// The data of the `presence` event on `/api/v1/events`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PresenceEvent {
    pub case_id: CaseId,
    #[serde(skip)]
    pub project_id: ProjectId,
    #[serde(skip)]
    pub client_id: ClientId,
    pub viewers: Vec<Viewer>,
}

/// The data of the `knowledge` event on `/api/v1/events`: something agents
/// read beside their work (a text module, a work instruction, a course, an
/// article) was published, changed or withdrawn; open workspaces reload
/// what they show of it, without a page reload.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KnowledgeEvent {
    /// `text-module`, `instruction`, `course`, `article` or `editor` (who
    /// edits a project's knowledge changed; `id` is the project).
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub kind: &'static str,
    pub id: i64,
    /// `published`, `changed` or `withdrawn`.
    #[schema(value_type = String)]
    pub action: &'static str,
    /// For the receiver's visibility check; not sent.
    #[serde(skip)]
    pub client_id: ClientId,
    /// The projects it applies to, for the receiver's visibility check (not
    /// sent); empty: every project of the client.
    #[serde(skip)]
    pub project_ids: Vec<ProjectId>,
}

/// The data of the `notification` event on `/api/v1/events`: a rule sent
/// the receiver a notification (the bell reloads its count and list).
/// Only the named user receives it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationEvent {
    pub id: i64,
    pub case_id: CaseId,
    /// The receiver; not sent.
    #[serde(skip)]
    pub user_id: UserId,
}

#[derive(Debug, Clone)]
pub enum Event {
    Case(CaseEvent),
    Presence(PresenceEvent),
    Knowledge(KnowledgeEvent),
    Notification(NotificationEvent),
    /// An agent's state changed (workforce, issue 18).
    AgentState(crate::workforce::model::AgentStateEvent),
    /// A project's live-monitor snapshot, sent only on monitor streams.
    Monitor(crate::workforce::model::MonitorEvent),
}

thread_local! {
    /// Events announced by code below a [`CaseHub::write`] that has no
    /// [`Announcements`] at hand (the rule engine inside the case
    /// service): gathered on the writer's thread while the write's closure
    /// runs, published with the write's own events after the commit.
    static LATER: std::cell::RefCell<Option<Vec<Event>>> = const { std::cell::RefCell::new(None) };
}

/// Publishes `event` after the commit of the [`CaseHub::write`] running
/// on this thread; outside one (a plain `Db::write`), it is dropped.
pub fn announce_after_commit(event: Event) {
    LATER.with(|later| {
        if let Some(events) = later.borrow_mut().as_mut() {
            events.push(event);
        }
    });
}

/// Drops what [`announce_after_commit`] gathered so far in this write (a
/// dry run rolled back what it announced).
pub fn discard_announced() {
    LATER.with(|later| {
        if let Some(events) = later.borrow_mut().as_mut() {
            events.clear();
        }
    });
}

/// Gathers [`announce_after_commit`] events while alive.
struct Gathering;

impl Gathering {
    fn start() -> Gathering {
        LATER.with(|later| *later.borrow_mut() = Some(Vec::new()));
        Gathering
    }

    fn finish(self) -> Vec<Event> {
        LATER.with(|later| later.borrow_mut().take().unwrap_or_default())
    }
}

impl Drop for Gathering {
    fn drop(&mut self) {
        LATER.with(|later| *later.borrow_mut() = None);
    }
}

impl Event {
    /// Whether `who` may receive the event: only who sees its project (for
    /// knowledge: one of its projects, or any project of its client).
    pub fn visible_to(&self, who: &Principal) -> bool {
        match self {
            // A provider agent limited to their team's share: only the
            // cases of that share (an event of unknown team: none).
            Event::Case(CaseEvent {
                project_id,
                handling,
                ..
            }) if !policy::sees_handling(
                who,
                *project_id,
                handling.unwrap_or(policy::CaseHandling::UNKNOWN),
            ) =>
            {
                false
            }
            Event::Case(CaseEvent {
                project_id,
                client_id,
                ..
            })
            | Event::Presence(PresenceEvent {
                project_id,
                client_id,
                ..
            }) => policy::view_project(
                who,
                ProjectRef {
                    id: *project_id,
                    client_id: *client_id,
                },
            )
            .is_ok(),
            Event::Knowledge(e) => policy::sees_projects_of(who, e.client_id, &e.project_ids),
            Event::Notification(e) => who.user_id == Some(e.user_id),
            // Only the agent themselves (monitors receive snapshots).
            Event::AgentState(e) => who.user_id == Some(e.user_id),
            // Only on a monitor stream of the project (`for_monitor`).
            Event::Monitor(_) => false,
        }
    }

    /// Whether a monitor stream of `project_id` sends the event.
    pub fn for_monitor(&self, project_id: crate::ids::ProjectId) -> bool {
        matches!(self, Event::Monitor(e) if e.project_id == project_id)
    }

    /// The SSE frame.
    pub fn frame(&self) -> String {
        let (name, data) = match self {
            Event::Case(e) => ("case", serde_json::to_string(e)),
            Event::Presence(e) => ("presence", serde_json::to_string(e)),
            Event::Knowledge(e) => ("knowledge", serde_json::to_string(e)),
            Event::Notification(e) => ("notification", serde_json::to_string(e)),
            Event::AgentState(e) => ("agent-state", serde_json::to_string(e)),
            // Serialised once by the monitor task.
            Event::Monitor(e) => return String::from_utf8_lossy(&e.frame).into_owned(),
        };
        format!("event: {name}\ndata: {}\n\n", data.unwrap_or_default())
    }
}

/// Live events of one write, gathered while it runs and published by
/// [`CaseHub::write`] only once it has committed: an event never announces
/// a change that could still roll back.
#[derive(Debug, Default)]
#[must_use]
pub struct Announcements(Vec<Event>);

impl Announcements {
    /// A change of `case` (`created`, `updated`, `message`) by `who`.
    pub fn case(&mut self, kind: &'static str, case: &Case, client_id: ClientId, who: &Principal) {
        self.push(Event::Case(super::service::event(
            kind, case, client_id, who,
        )));
    }

    pub fn push(&mut self, event: Event) {
        self.0.push(event);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Who looks at one case: user id → (name, last heartbeat).
type Viewers = HashMap<UserId, (String, Instant)>;

pub struct CaseHub {
    sender: broadcast::Sender<Event>,
    /// Flips to true when the server stops, ending every event stream.
    closing: tokio::sync::watch::Sender<bool>,
    presence: Mutex<HashMap<CaseId, Viewers>>,
    streams: Arc<StreamSlots>,
}

impl Default for CaseHub {
    fn default() -> Self {
        CaseHub::new(8, 256)
    }
}

/// Why no further event stream is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StreamLimit {
    #[error("you have {0} live-event streams open already; close a tab or wait")]
    PerUser(usize),
    #[error("the server has as many live-event streams open as it can serve; try again shortly")]
    Total,
}

/// Open event streams, per user and in all. Every stream holds a socket
/// (an open file) for up to a minute; without a bound, one token could
/// take all the process may open and stop the whole server.
struct StreamSlots {
    per_user: usize,
    total: usize,
    open: Mutex<(usize, HashMap<UserId, usize>)>,
}

/// One open stream; gives its slot back when dropped.
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    user_id: UserId,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().unwrap_or_else(|p| p.into_inner());
        open.0 = open.0.saturating_sub(1);
        if let Some(n) = open.1.get_mut(&self.user_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.1.remove(&self.user_id);
            }
        }
    }
}

impl CaseHub {
    /// `per_user` / `total`: the most event streams open at once.
    pub fn new(per_user: usize, total: usize) -> Self {
        let (sender, _) = broadcast::channel(1024);
        CaseHub {
            sender,
            closing: tokio::sync::watch::Sender::new(false),
            presence: Mutex::new(HashMap::new()),
            streams: Arc::new(StreamSlots {
                per_user: per_user.max(1),
                total: total.max(1),
                open: Mutex::new((0, HashMap::new())),
            }),
        }
    }

    /// Takes a slot for one more stream of `user_id`, if the limits allow.
    pub fn open_stream(&self, user_id: UserId) -> Result<StreamSlot, StreamLimit> {
        let slots = &self.streams;
        let mut open = slots.open.lock().unwrap_or_else(|p| p.into_inner());
        let mine = open.1.get(&user_id).copied().unwrap_or(0);
        if mine >= slots.per_user {
            return Err(StreamLimit::PerUser(mine));
        }
        if open.0 >= slots.total {
            return Err(StreamLimit::Total);
        }
        open.0 += 1;
        *open.1.entry(user_id).or_insert(0) += 1;
        Ok(StreamSlot {
            slots: slots.clone(),
            user_id,
        })
    }

    /// Event streams open now.
    pub fn open_streams(&self) -> usize {
        self.streams
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
    }

    /// Sends one event now. Case changes go through [`CaseHub::write`]
    /// (after the commit); this is for what no write carries (presence).
    pub fn publish(&self, event: Event) {
        // No subscriber is no error.
        let _ = self.sender.send(event);
    }

    /// The one path from a write to live events: runs `f` in one write
    /// transaction on `db`; the events `f` gathers are published once the
    /// transaction committed, and dropped if it failed.
    pub async fn write<T, E, F>(&self, db: &Db, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&rusqlite::Transaction, &mut Announcements) -> Result<T, E> + Send + 'static,
    {
        let (value, events) = db
            .write(move |tx| {
                let mut events = Announcements::default();
                let gathering = Gathering::start();
                let value = f(tx, &mut events)?;
                events.0.extend(gathering.finish());
                // The cases routing assigned in this write (issue 15).
                for (case, client_id) in crate::routing::service::take_announced(tx)? {
                    events.push(Event::Case(CaseEvent {
                        kind: "updated",
                        case_id: case.id,
                        project_id: case.project_id,
                        client_id,
                        version: case.version,
                        by_user_id: None,
                        by_name: None,
                        handling: Some(super::service::handling(&case)),
                    }));
                }
                Ok::<_, E>((value, events))
            })
            .await?;
        for event in events.0 {
            self.publish(event);
        }
        Ok(value)
    }

    /// [`CaseHub::write`] on `Db::write_unsynced`: for background work that
    /// the store marks as pending and redoes after a crash (the
    /// distribution's move of open cases).
    pub async fn write_unsynced<T, E, F>(&self, db: &Db, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&rusqlite::Transaction, &mut Announcements) -> Result<T, E> + Send + 'static,
    {
        let (value, events) = db
            .write_unsynced(move |tx| {
                let mut events = Announcements::default();
                let value = f(tx, &mut events)?;
                Ok::<_, E>((value, events))
            })
            .await?;
        for event in events.0 {
            self.publish(event);
        }
        Ok(value)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }

    /// Resolves when the server is stopping.
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Ends all event streams, so a graceful stop need not wait for them.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Records that `user_id` is looking at the case; returns everyone else
    /// who is.
    pub fn heartbeat(
        &self,
        case_id: CaseId,
        user_id: UserId,
        name: &str,
    ) -> (Vec<Viewer>, Vec<Viewer>) {
        let mut presence = self.presence.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        presence.retain(|_, viewers| {
            viewers.retain(|_, (_, seen)| now.duration_since(*seen) < PRESENCE_TTL);
            !viewers.is_empty()
        });
        let viewers = presence.entry(case_id).or_default();
        viewers.insert(user_id, (name.to_string(), now));
        let all: Vec<Viewer> = viewers
            .iter()
            .map(|(id, (name, _))| Viewer {
                user_id: *id,
                name: name.clone(),
            })
            .collect();
        let others = all
            .iter()
            .filter(|v| v.user_id != user_id)
            .cloned()
            .collect();
        (others, all)
    }

    /// Everyone currently looking at the case.
    pub fn viewers(&self, case_id: CaseId) -> Vec<Viewer> {
        let presence = self.presence.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        presence
            .get(&case_id)
            .map(|viewers| {
                viewers
                    .iter()
                    .filter(|(_, (_, seen))| now.duration_since(*seen) < PRESENCE_TTL)
                    .map(|(id, (name, _))| Viewer {
                        user_id: *id,
                        name: name.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl crate::problem::Problem for StreamLimit {
    fn problem(&self) -> crate::problem::Answer {
        use crate::problem::Answer;
        match self {
            StreamLimit::PerUser(_) => Answer::new(429, "too-many-streams", self).retry_after(10),
            StreamLimit::Total => Answer::new(503, "streams-exhausted", self).retry_after(10),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(case_id: CaseId) -> Event {
        Event::Case(CaseEvent {
            kind: "updated",
            case_id,
            project_id: ProjectId(1),
            client_id: ClientId(1),
            version: 1,
            by_user_id: None,
            by_name: None,
            handling: None,
        })
    }

    #[tokio::test]
    async fn events_are_published_after_the_commit_and_never_for_a_rollback() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(dir.path()).unwrap();
        let hub = CaseHub::default();
        let mut events = hub.subscribe();
        let failed: Result<(), StoreError> = hub
            .write(&db, |tx, gathered| {
                tx.execute("CREATE TABLE t (x)", [])?;
                gathered.push(event(CaseId(1)));
                Err(StoreError::Task("fails after gathering".into()))
            })
            .await;
        assert!(failed.is_err());
        assert!(events.try_recv().is_err(), "a rolled-back write announced");
        hub.write(&db, |tx, gathered| {
            tx.execute("CREATE TABLE t (x)", [])?;
            gathered.push(event(CaseId(2)));
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
        match events.try_recv() {
            Ok(Event::Case(e)) => assert_eq!(e.case_id, 2),
            other => panic!("expected the committed write's event, got {other:?}"),
        }
        // The table exists: the event came after a real commit.
        let exists: i64 = db
            .read(|conn| {
                Ok::<_, StoreError>(conn.query_row(
                    "SELECT count(*) FROM sqlite_master WHERE name = 't'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await
            .unwrap();
        assert_eq!(exists, 1);
    }

    #[test]
    fn streams_are_capped_per_user_and_in_all() {
        let hub = CaseHub::new(2, 3);
        let a1 = hub.open_stream(UserId(1)).expect("first");
        let _a2 = hub.open_stream(UserId(1)).expect("second");
        assert_eq!(
            hub.open_stream(UserId(1)).err(),
            Some(StreamLimit::PerUser(2))
        );
        let _b1 = hub.open_stream(UserId(2)).expect("other user");
        assert_eq!(hub.open_stream(UserId(3)).err(), Some(StreamLimit::Total));
        drop(a1);
        assert_eq!(hub.open_streams(), 2);
        assert!(
            hub.open_stream(UserId(3)).is_ok(),
            "a closed stream frees its slot"
        );
    }
}
