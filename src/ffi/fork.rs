//! The `fork` hook of the `process` module: the one `unsafe` call it needs.

/// Registers `child` to run in every child process `fork` makes (before `fork` returns there).
/// Returns whether it is registered; always `false` where there is no `fork` (not Unix) and under Miri.
pub(crate) fn on_fork_child(child: extern "C" fn()) -> bool {
    #[cfg(all(unix, not(miri)))]
    {
        // SAFETY: `pthread_atfork` only stores the handler pointers; `child` is a plain
        // `extern "C" fn()` that lives as long as the program (this library is never unloaded
        // while a handler may run: glibc drops a shared object's handlers when it is unloaded).
        unsafe { libc::pthread_atfork(None, None, Some(child)) == 0 }
    }
    #[cfg(any(not(unix), miri))]
    {
        let _ = child;
        false
    }
}
