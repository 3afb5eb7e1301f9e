//! The consumers of the cases' outbox (`cases::outbox`), one per channel or
//! group of channels. The cases service queues every outbound message keyed
//! by its case's channel and knows no channel's sending; a new channel
//! (chat, letters) is one more consumer here, and no change to cases.

use rusqlite::Connection;

use crate::cases::CaseError;
use crate::cases::Channel;

/// The channels some consumer sends on.
fn consumed() -> Vec<Channel> {
    crate::mail::outbound::CHANNELS.to_vec()
}

/// Hands what waits in the outbox to each channel's consumer, in the
/// caller's transaction (the write that queued it, so a reply's delivery
/// is committed with the reply); rows of channels nobody sends on are
/// dropped. The mail sender also takes its rows at every run, for writers
/// that do not call this.
pub fn dispatch(conn: &Connection) -> Result<(), CaseError> {
    crate::mail::outbound::take_outbox(conn)?;
    crate::cases::outbox::drop_unconsumed(conn, &consumed())?;
    Ok(())
}
