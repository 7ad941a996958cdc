//! Which shard of a job matrix a file belongs to.
//!
//! Every matrix job lists the same source and must agree, with no communication, on who converts
//! what. So the partition depends only on the file name, through a hash with no seed and a
//! published definition: 64-bit FNV-1a over the name's UTF-8 bytes
//! (offset basis 0xcbf29ce484222325, prime 0x100000001b3), taken modulo the shard count.
//! `std`'s `DefaultHasher` is randomised per process and would split the files differently in
//! every job.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// GitHub's matrix limit; more shards than jobs cannot run.
    pub const MAX_COUNT: u32 = 256;

    pub fn new(index: u32, count: u32) -> Result<Shard, String> {
        if count == 0 || count > Self::MAX_COUNT {
            return Err(format!(
                "shard count must be between 1 and {}, got {count}",
                Self::MAX_COUNT
            ));
        }
        if index >= count {
            return Err(format!(
                "shard index must be below the shard count {count}, got {index}"
            ));
        }
        Ok(Shard { index, count })
    }

    pub fn contains(&self, file_name: &str) -> bool {
        stable_hash(file_name) % u64::from(self.count) == u64::from(self.index)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// 64-bit FNV-1a of the UTF-8 bytes of `name`.
pub fn stable_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hash_matches_published_fnv1a_vectors() {
        assert_eq!(stable_hash(""), 0xcbf29ce484222325);
        assert_eq!(stable_hash("a"), 0xaf63dc4c8601ec8c);
        assert_eq!(stable_hash("foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn invalid_shards_are_rejected() {
        assert!(Shard::new(0, 0).is_err());
        assert!(Shard::new(4, 4).is_err());
        assert!(Shard::new(0, 257).is_err());
        assert!(Shard::new(255, 256).is_ok());
    }

    proptest! {
        #[test]
        fn shards_are_disjoint_and_cover_every_file(
            names in proptest::collection::hash_set("[A-Za-z0-9._&-]{1,24}_daily\\.json", 0..200),
            count in 1u32..=64,
        ) {
            for name in &names {
                let owners = (0..count)
                    .filter(|&i| Shard::new(i, count).unwrap().contains(name))
                    .count();
                prop_assert_eq!(owners, 1, "{} is owned by {} shards", name, owners);
            }
        }
    }
}
