//! The orders a full sync writes its users in: their resources by id, each at the end of its
//! B-tree, and their rows by sort key (`user_order`); each user once, the last listed of several
//! with one id.
//!
//! A user's id and names lie in its JSON, somewhere in a gigabyte of pages at a million users.
//! Compared where they lie, each comparison of a sort waits for memory: sorting a million users
//! by id took 2.8 s, and keeping each once through a map of every id took 1.5 s more, before
//! the first row was written. Now each id's first 16 bytes are copied once, in list order (the
//! order the pages lie in memory), into an array that sorts in the processor's caches; two ids
//! are compared whole only when those bytes are equal. The repeats fall out of that sort, and
//! the sort keys are encoded and sorted meanwhile on the calling thread (`sort_by_key`).

use super::user_order::{self, SortKey};
use super::{sort_key, CachedUser};
use crate::error::Error;

/// The users of a full sync, each once, in the two orders it writes them in.
pub(super) struct WriteOrder<'u> {
    /// In id order: how their resources are written.
    pub by_id: Vec<&'u CachedUser>,
    /// In sort key order, with their keys: how their rows are written and numbered.
    pub by_key: Vec<(SortKey<'u>, Listed<'u>)>,
}

/// A user, and where it was listed among the sync's users.
pub(super) struct Listed<'u> {
    at: usize,
    pub user: &'u CachedUser,
}

impl<'u> WriteOrder<'u> {
    /// The orders of `users`, as listed. Users without an id are left out: nothing could refer
    /// to them.
    pub(super) fn of(users: &'u [CachedUser]) -> Result<WriteOrder<'u>, Error> {
        let (kept, mut by_key) = std::thread::scope(|scope| {
            let sorting =
                std::thread::Builder::new().name("bailiwick-sort".to_owned()).spawn_scoped(scope, || once_by_id(users));
            let by_key = by_key_with_repeats(users);
            let kept = match sorting {
                Ok(sorting) => {
                    sorting.join().map_err(|_| Error::Io(std::io::Error::other("sorting users by id failed")))?
                }
                Err(error) => {
                    tracing::debug!(%error, "sorting by id on this thread: no other");
                    once_by_id(users)
                }
            };
            Ok::<_, Error>((kept, by_key))
        })?;
        let mut is_kept = vec![false; users.len()];
        for &at in &kept {
            if let Some(slot) = is_kept.get_mut(at) {
                *slot = true;
            }
        }
        by_key.retain(|(_, listed)| is_kept.get(listed.at).copied().unwrap_or(false));
        let by_id = kept.into_iter().filter_map(|at| users.get(at)).collect();
        Ok(WriteOrder { by_id, by_key })
    }
}

/// An id's first 16 bytes (zeros after a shorter one), and where its user was listed.
struct IdPrefix {
    bytes: u128,
    at: usize,
}

impl IdPrefix {
    fn of(id: &str, at: usize) -> Self {
        let mut bytes = [0_u8; 16];
        for (slot, byte) in bytes.iter_mut().zip(id.as_bytes()) {
            *slot = *byte;
        }
        Self { bytes: u128::from_be_bytes(bytes), at }
    }
}

/// Where the users to keep were listed, in id order: of several users with one id, the last
/// listed. Zeros pad a short id's prefix and sort below every byte, so two prefixes that differ
/// order their ids as comparing the ids does (a shorter id before the longer one it begins).
fn once_by_id(users: &[CachedUser]) -> Vec<usize> {
    let id = |prefix: &IdPrefix| users.get(prefix.at).and_then(CachedUser::id).unwrap_or_default();
    let mut prefixes: Vec<IdPrefix> =
        users.iter().enumerate().filter_map(|(at, user)| Some(IdPrefix::of(user.id()?, at))).collect();
    prefixes
        .sort_unstable_by(|a, b| a.bytes.cmp(&b.bytes).then_with(|| id(a).cmp(id(b))).then_with(|| a.at.cmp(&b.at)));
    let same_id = |a: &IdPrefix, b: &IdPrefix| a.bytes == b.bytes && id(a) == id(b);
    let mut kept = Vec::with_capacity(prefixes.len());
    for (n, prefix) in prefixes.iter().enumerate() {
        // Equal ids are neighbours, in list order: a user is kept unless listed again after.
        if !prefixes.get(n + 1).is_some_and(|next| same_id(prefix, next)) {
            kept.push(prefix.at);
        }
    }
    kept
}

/// Every user with an id, in sort key order, repeats included (`WriteOrder::of` drops them).
fn by_key_with_repeats(users: &[CachedUser]) -> Vec<(SortKey<'_>, Listed<'_>)> {
    let mut keyed = Vec::with_capacity(users.len());
    for (at, user) in users.iter().enumerate() {
        match sort_key(user) {
            Some(key) => keyed.push((key, Listed { at, user })),
            None => tracing::warn!(user_name = %user.user_name(), "skipping a user without an id"),
        }
    }
    user_order::sort_by_key(&mut keyed);
    keyed
}

#[cfg(test)]
mod tests {
    use bailiwick_scim::User;
    use serde_json::json;

    use super::*;

    fn user(id: Option<&str>, user_name: &str, display: &str) -> CachedUser {
        let mut resource = json!({"userName": user_name, "displayName": display});
        if let Some(id) = id {
            resource["id"] = json!(id);
        }
        let resource: User = serde_json::from_value(resource).expect("valid user");
        CachedUser::new(&resource, None).expect("serialises")
    }

    /// What `WriteOrder::of` must give, the plain way: the last listed of each id, sorted by
    /// comparing the users themselves.
    fn expected(users: &[CachedUser]) -> (Vec<&CachedUser>, Vec<&CachedUser>) {
        let mut last: std::collections::HashMap<&str, &CachedUser> = std::collections::HashMap::new();
        for user in users {
            if let Some(id) = user.id() {
                last.insert(id, user);
            }
        }
        let mut by_id: Vec<&CachedUser> = last.values().copied().collect();
        by_id.sort_by(|a, b| a.id().cmp(&b.id()));
        let mut by_key = by_id.clone();
        by_key.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        (by_id, by_key)
    }

    fn orders<'u>(order: &WriteOrder<'u>) -> (Vec<&'u CachedUser>, Vec<&'u CachedUser>) {
        (order.by_id.clone(), order.by_key.iter().map(|(_, listed)| listed.user).collect())
    }

    #[test]
    fn ids_alike_in_their_first_16_bytes_are_ordered_by_the_rest() {
        let users: Vec<CachedUser> =
            ["00000000-0000-0000-0000-00000000000b", "00000000-0000-0000-0000-00000000000a", "00000000-0000-0000"]
                .iter()
                .map(|id| user(Some(id), id, "Same Name"))
                .collect();
        let order = WriteOrder::of(&users).expect("orders");
        let ids: Vec<_> = order.by_id.iter().filter_map(|u| u.id()).collect();
        assert_eq!(
            ids,
            ["00000000-0000-0000", "00000000-0000-0000-0000-00000000000a", "00000000-0000-0000-0000-00000000000b"]
        );
        assert_eq!(orders(&order), expected(&users));
    }

    #[test]
    fn of_a_user_listed_twice_the_last_listed_is_written_once_in_both_orders() {
        let users = vec![
            user(Some("u2"), "bob", "Zed Old"),
            user(Some("u1"), "ann", "Ann"),
            user(Some("u2"), "bob", "Bob New"),
            user(None, "nobody", "No Id"),
        ];
        let order = WriteOrder::of(&users).expect("orders");
        let (by_id, by_key) = orders(&order);
        assert_eq!(by_id.len(), 2, "each id once, and no user without one");
        assert!(std::ptr::eq(by_id[1], &users[2]), "the last listed copy of u2");
        let names: Vec<_> = by_key.iter().map(|u| u.display_name()).collect();
        assert_eq!(names, ["Ann", "Bob New"], "the old copy's key is not written");
    }

    proptest::proptest! {
        /// Ids from few characters (NUL among them), most of them alike in their first 16 bytes
        /// and differing after them, some shorter, often repeated, with names that repeat too:
        /// the orders are the plain ones.
        #[test]
        fn the_orders_are_those_of_comparing_the_users(
            listed in proptest::collection::vec((proptest::bool::ANY, "[ab\u{0}]{0,5}", "[aA ]{0,3}", "[xX]{0,2}"), 0..80),
        ) {
            let users: Vec<CachedUser> = listed
                .iter()
                .map(|(alike, tail, display, name)| {
                    let id = if *alike { format!("0123456789abcd{tail}") } else { tail.clone() };
                    user(Some(&id), &format!("{name}.{}", id.len()), display)
                })
                .collect();
            let order = WriteOrder::of(&users).expect("orders");
            let (by_id, by_key) = orders(&order);
            let (expected_by_id, expected_by_key) = expected(&users);
            proptest::prop_assert!(by_id.iter().zip(&expected_by_id).all(|(a, b)| std::ptr::eq(*a, *b)));
            proptest::prop_assert_eq!(by_id.len(), expected_by_id.len());
            proptest::prop_assert!(by_key.iter().zip(&expected_by_key).all(|(a, b)| std::ptr::eq(*a, *b)));
            proptest::prop_assert_eq!(by_key.len(), expected_by_key.len());
        }
    }
}
