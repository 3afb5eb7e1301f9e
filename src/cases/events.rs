//! Live updates: case events and presence, fanned out to the workspace over
//! Server-Sent Events. In memory only: a client that reconnects re-reads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::broadcast;
use utoipa::ToSchema;

use super::model::Viewer;

/// How long a presence heartbeat counts.
const PRESENCE_TTL: Duration = Duration::from_secs(45);

/// The data of the `case` event on `/api/v1/events`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseEvent {
    /// `created`, `updated`, `message` or `delivery`.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub kind: &'static str,
    pub case_id: i64,
    pub project_id: i64,
    /// For the receiver's visibility check; not sent.
    #[serde(skip)]
    pub client_id: i64,
    pub version: i64,
    pub by_user_id: Option<i64>,
    pub by_name: Option<String>,
}

/// The data of the `presence` event on `/api/v1/events`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PresenceEvent {
    pub case_id: i64,
    #[serde(skip)]
    pub project_id: i64,
    #[serde(skip)]
    pub client_id: i64,
    pub viewers: Vec<Viewer>,
}

#[derive(Debug, Clone)]
pub enum Event {
    Case(CaseEvent),
    Presence(PresenceEvent),
}

impl Event {
    /// The project and client the event belongs to.
    pub fn scope(&self) -> (i64, i64) {
        match self {
            Event::Case(e) => (e.project_id, e.client_id),
            Event::Presence(e) => (e.project_id, e.client_id),
        }
    }

    /// The SSE frame.
    pub fn frame(&self) -> String {
        let (name, data) = match self {
            Event::Case(e) => ("case", serde_json::to_string(e)),
            Event::Presence(e) => ("presence", serde_json::to_string(e)),
        };
        format!("event: {name}\ndata: {}\n\n", data.unwrap_or_default())
    }
}

/// Who looks at one case: user id → (name, last heartbeat).
type Viewers = HashMap<i64, (String, Instant)>;

pub struct CaseHub {
    sender: broadcast::Sender<Event>,
    /// Flips to true when the server stops, ending every event stream.
    closing: tokio::sync::watch::Sender<bool>,
    presence: Mutex<HashMap<i64, Viewers>>,
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
    open: Mutex<(usize, HashMap<i64, usize>)>,
}

/// One open stream; gives its slot back when dropped.
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    user_id: i64,
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
    pub fn open_stream(&self, user_id: i64) -> Result<StreamSlot, StreamLimit> {
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

    pub fn publish(&self, event: Event) {
        // No subscriber is no error.
        let _ = self.sender.send(event);
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
    pub fn heartbeat(&self, case_id: i64, user_id: i64, name: &str) -> (Vec<Viewer>, Vec<Viewer>) {
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
    pub fn viewers(&self, case_id: i64) -> Vec<Viewer> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_capped_per_user_and_in_all() {
        let hub = CaseHub::new(2, 3);
        let a1 = hub.open_stream(1).expect("first");
        let _a2 = hub.open_stream(1).expect("second");
        assert_eq!(hub.open_stream(1).err(), Some(StreamLimit::PerUser(2)));
        let _b1 = hub.open_stream(2).expect("other user");
        assert_eq!(hub.open_stream(3).err(), Some(StreamLimit::Total));
        drop(a1);
        assert_eq!(hub.open_streams(), 2);
        assert!(hub.open_stream(3).is_ok(), "a closed stream frees its slot");
    }
}
