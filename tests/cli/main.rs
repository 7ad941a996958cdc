//! The one integration-test binary: every test runs the real `bluedot` in its own temp dir.

mod action;
mod chart;
mod data_rules;
mod drive;
mod harness;
mod process;
mod synth;
mod validator;
