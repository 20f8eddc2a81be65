//! Acknowledging a consumer channel's deliveries with as few frames as
//! possible. A quorum queue turns every acknowledgement frame into an entry
//! of its replicated log, and each frame is a write of the client's and a
//! wake-up of the broker's; one `multiple` acknowledgement settles every
//! delivery up to its tag at once. It may only be sent up to the newest
//! delivery below which nothing is still in hand: a batch handled quickly
//! must not acknowledge an earlier batch's deliveries that are still being
//! handled (or held through an outage), so their acknowledgement waits until
//! the earlier batch is done too.
//!
//! Delivery tags count from one on each channel; a consumer session has a
//! channel, and an `Acknowledger`, of its own (lapin's automatic recovery,
//! which would start the count again on the same channel, is not used).

use std::collections::BTreeSet;

use lapin::Channel;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions};
use tokio::sync::Mutex;

use super::BusError;
use super::rabbit::within;

/// The delivery tags of one channel: those in hand, and those settled whose
/// acknowledgement has not been sent.
#[derive(Debug, Default)]
pub(crate) struct Watermark {
    in_hand: BTreeSet<u64>,
    settled: BTreeSet<u64>,
}

impl Watermark {
    /// A delivery was taken from the channel. Deliveries are taken in the
    /// order the broker tagged them, so any tag not yet taken is above all these.
    pub(crate) fn taken(&mut self, tag: u64) {
        self.in_hand.insert(tag);
    }

    /// A delivery was handled (applied, or moved to its retry or dead-letter
    /// queue) and may be acknowledged.
    pub(crate) fn settled(&mut self, tag: u64) {
        if self.in_hand.remove(&tag) {
            self.settled.insert(tag);
        }
    }

    /// A delivery was handed back to the broker on its own: it is no longer
    /// the channel's to acknowledge.
    pub(crate) fn handed_back(&mut self, tag: u64) {
        self.in_hand.remove(&tag);
    }

    /// The tag one `multiple` acknowledgement may be sent for now, if any:
    /// the newest settled delivery below every one still in hand. The
    /// deliveries it covers are forgotten.
    pub(crate) fn acknowledge(&mut self) -> Option<u64> {
        let through = match self.in_hand.first() {
            Some(&oldest_in_hand) => self.settled.range(..oldest_in_hand).next_back().copied()?,
            None => self.settled.last().copied()?,
        };
        self.settled = self.settled.split_off(&(through + 1));
        Some(through)
    }

    #[cfg(test)]
    fn waiting(&self) -> Vec<u64> {
        self.settled.iter().copied().collect()
    }
}

/// Settles one consumer channel's deliveries. Every frame that settles a
/// delivery goes through here, one at a time, so that a `multiple`
/// acknowledgement is never sent ahead of the hand-back of a delivery it
/// would otherwise cover.
pub(crate) struct Acknowledger {
    channel: Channel,
    watermark: Mutex<Watermark>,
}

impl Acknowledger {
    pub(crate) fn new(channel: Channel) -> Self {
        Self { channel, watermark: Mutex::new(Watermark::default()) }
    }

    /// Notes deliveries taken from the channel, before they are handled.
    pub(crate) async fn taken(&self, deliveries: &[Delivery]) {
        let mut watermark = self.watermark.lock().await;
        for delivery in deliveries {
            watermark.taken(delivery.delivery_tag);
        }
    }

    /// Settles deliveries of a batch: those handled are acknowledged, at
    /// once if nothing taken before them is still in hand, else with the
    /// batch that holds them up; those handed back go back to the broker on
    /// their own, to be delivered again.
    pub(crate) async fn settle(&self, handled: Vec<u64>, handed_back: Vec<u64>) {
        let mut watermark = self.watermark.lock().await;
        let requeue = BasicNackOptions { requeue: true, ..BasicNackOptions::default() };
        for tag in handed_back {
            // Sent before any acknowledgement that could cover it: a delivery
            // acknowledged first could not be handed back (the broker closes
            // the channel on an unknown tag).
            report(within("handing a delivery back", self.channel.basic_nack(tag, requeue)).await);
            watermark.handed_back(tag);
        }
        for tag in handled {
            watermark.settled(tag);
        }
        if let Some(through) = watermark.acknowledge() {
            let multiple = BasicAckOptions { multiple: true };
            report(within("acknowledging deliveries", self.channel.basic_ack(through, multiple)).await);
        }
    }
}

/// A frame not sent in time, or refused, leaves the deliveries unsettled
/// until the channel goes: the broker then delivers them again, and dedupe
/// absorbs what was applied.
fn report(sent: Result<(), BusError>) {
    if let Err(error) = sent {
        tracing::warn!(%error, "could not settle deliveries");
    }
}

#[cfg(test)]
mod tests {
    use super::Watermark;

    #[test]
    fn a_batch_settled_early_waits_for_the_batch_taken_before_it() {
        let mut watermark = Watermark::default();
        for tag in 1..=6 {
            watermark.taken(tag);
        }
        // The second batch (4–6) is done first: nothing below it may be covered.
        for tag in 4..=6 {
            watermark.settled(tag);
        }
        assert_eq!(watermark.acknowledge(), None);
        assert_eq!(watermark.waiting(), vec![4, 5, 6]);
        // Part of the first batch: acknowledged up to what is still in hand.
        watermark.settled(1);
        watermark.settled(2);
        assert_eq!(watermark.acknowledge(), Some(2));
        watermark.settled(3);
        assert_eq!(watermark.acknowledge(), Some(6));
        assert_eq!(watermark.acknowledge(), None);
        assert!(watermark.waiting().is_empty());
    }

    #[test]
    fn a_delivery_handed_back_no_longer_holds_the_others_up() {
        let mut watermark = Watermark::default();
        for tag in 10..=13 {
            watermark.taken(tag);
        }
        watermark.settled(10);
        watermark.settled(12);
        watermark.settled(13);
        assert_eq!(watermark.acknowledge(), Some(10));
        watermark.handed_back(11);
        assert_eq!(watermark.acknowledge(), Some(13));
    }

    #[test]
    fn deliveries_taken_later_do_not_hold_up_those_before_them() {
        let mut watermark = Watermark::default();
        watermark.taken(1);
        watermark.settled(1);
        watermark.taken(2);
        assert_eq!(watermark.acknowledge(), Some(1));
        // A tag settled twice, or never taken, is not acknowledged again.
        watermark.settled(1);
        watermark.settled(7);
        assert_eq!(watermark.acknowledge(), None);
    }
}
