//! The one integration-test binary: every test runs the real `bluedot` in its own temp dir.

mod action;
mod chart;
mod data_rules;
mod drive;
mod harness;
#[cfg(windows)]
mod held_files;
mod process;
mod publishing;
mod synth;
#[cfg(target_os = "linux")]
mod unwritable_output;
mod validator;
