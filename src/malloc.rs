//! One setting of glibc's allocator, made before the run starts, so that where a run's memory
//! lives does not depend on how many files it has.
//!
//! glibc gives each request of 128 KiB or more its own mapping, returned to the system on free;
//! but freeing such a mapping raises that threshold to the mapping's size (up to 32 MiB), for
//! the rest of the process. A run over a few thousand files frees one (the sorted listing's
//! scratch) before its workers start, so their read buffers, grown in steps past 128 KiB, were
//! then copied from step to step inside the workers' heaps, leaving holes that stay resident.
//! A 1000-file run never crossed that line. Pinned, the peak grows by the same bytes per file
//! at any file count: 262 against 302-306 bytes per extra file from 1000 to 4000 files (peak
//! RSS, medians of 9 runs each, output to tmpfs), with the same page faults and wall time.

/// Pins the mapping threshold at glibc's default, 128 KiB. Call before any thread starts.
pub fn pin_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const THRESHOLD: libc::c_int = 128 * 1024;
        // SAFETY: mallopt only sets an allocator parameter; no other thread exists yet to be
        // allocating while it does.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD);
        }
    }
}
