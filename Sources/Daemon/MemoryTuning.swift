import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// glibc malloc settings for a small, long-running daemon.
///
/// glibc gives every thread that allocates its own arena (up to 8 per core) and keeps freed memory
/// mapped. Sealwatch allocates in bursts, once per cycle, on a handful of threads (the curl loop,
/// the cooperative pool, the HTTP server); with one arena per thread the resident set is the sum
/// of every arena's own high-water mark, ~3 MiB more than the real peak at 100 nodes. One arena
/// costs no measurable contention at this allocation rate (see docs/performance.md), and trimming
/// after a cycle hands the cycle's transient memory (transfers, task frames) back to the kernel.
public enum MemoryTuning {
    /// Limits malloc to one arena unless the operator set `MALLOC_ARENA_MAX` (glibc reads it).
    /// Call first thing in `main`, before other threads start allocating.
    public static func limitArenas() {
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        _ = clinux_malloc_arena_max(1)
    }

    /// No core dumps (`RLIMIT_CORE` 0 and `PR_SET_DUMPABLE` 0), so a crash cannot write the Vault
    /// token or a receiver secret to disk, and no other process of the same user can ptrace us.
    /// The unit sets `LimitCORE=0` as well. Returns false if the kernel refused.
    @discardableResult
    public static func disableCoreDumps() -> Bool { clinux_disable_core_dumps() == 0 }

    /// Whether the process may dump core (`PR_GET_DUMPABLE`): for tests.
    public static var isDumpable: Bool { clinux_is_dumpable() != 0 }

    /// Returns free heap pages to the kernel (`malloc_trim(0)`); call between cycles.
    public static func releaseFreeMemory() {
        _ = clinux_malloc_trim()
    }
}
