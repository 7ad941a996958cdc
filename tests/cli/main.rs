//! The one integration-test binary: every test runs the real `bluedot` in its own temp dir.

mod drive;
mod harness;
