//! The directory's users in the order they were created, each at a position that stays put.
//!
//! Removing a user leaves a hole rather than moving everyone after it up one place: with the
//! users in one `Vec`, every DELETE shifted the rest and renumbered their positions in the id
//! index, so removing 1% of a million users took the best part of an hour. The holes are
//! closed up once they are a quarter of the slots, in one pass.

use crate::directory::UserEntry;

#[derive(Default)]
pub struct UserSlots {
    slots: Vec<Option<UserEntry>>,
    live: usize,
}

impl UserSlots {
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn get(&self, position: usize) -> Option<&UserEntry> {
        self.slots.get(position).and_then(Option::as_ref)
    }

    pub fn get_mut(&mut self, position: usize) -> Option<&mut UserEntry> {
        self.slots.get_mut(position).and_then(Option::as_mut)
    }

    /// The users with their positions, in creation order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &UserEntry)> {
        self.slots.iter().enumerate().filter_map(|(position, slot)| slot.as_ref().map(|user| (position, user)))
    }

    /// Appends a user; returns its position.
    pub fn push(&mut self, user: UserEntry) -> usize {
        self.slots.push(Some(user));
        self.live += 1;
        self.slots.len() - 1
    }

    /// Puts `user` where another user is; returns that one.
    pub fn replace(&mut self, position: usize, user: UserEntry) -> Option<UserEntry> {
        let slot = self.slots.get_mut(position)?;
        slot.as_ref()?;
        slot.replace(user)
    }

    /// Takes the user at `position` out, leaving a hole.
    pub fn take(&mut self, position: usize) -> Option<UserEntry> {
        let removed = self.slots.get_mut(position)?.take()?;
        self.live -= 1;
        Some(removed)
    }

    /// Closes up the holes when they are a quarter of the slots or more. True when it did:
    /// every position may then have changed.
    pub fn close_holes_if_sparse(&mut self) -> bool {
        let holes = self.slots.len() - self.live;
        if holes == 0 || holes * 4 < self.slots.len() {
            return false;
        }
        self.slots.retain(Option::is_some);
        true
    }
}

impl FromIterator<UserEntry> for UserSlots {
    fn from_iter<I: IntoIterator<Item = UserEntry>>(users: I) -> Self {
        let slots: Vec<Option<UserEntry>> = users.into_iter().map(Some).collect();
        Self { live: slots.len(), slots }
    }
}
