import CLinux
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A bcrypt verification for a worker thread, and where its answer goes.
struct AuthJob: Sendable {
    var connectionID: UInt64
    var fd: Int32
    var check: CredentialCheck
}

/// A finished verification.
struct AuthResult: Sendable {
    var connectionID: UInt64
    var fd: Int32
    var check: CredentialCheck
    var ok: Bool
}

/// A few threads that run bcrypt checks (tens of milliseconds each) so the event loop never does.
///
/// The loop submits jobs; a worker verifies, appends the result and writes the loop's eventfd, and
/// the loop takes the results when it wakes. Dedicated pthreads rather than the Swift cooperative
/// pool: `crypt_rn` is a long blocking call, and the pool has only as many threads as cores.
/// `start` and `stopAndJoin` are called by the loop thread only.
final class AuthWorkers: @unchecked Sendable {  // mutable `threads` is confined to the loop thread
    private struct State {
        var jobs: [AuthJob] = []
        var results: [AuthResult] = []
        var stopping = false
    }
    private let state = Mutex(State())
    private let semaphore: UnsafeMutablePointer<sem_t>
    private let wakefd: Int32
    private var threads: [pthread_t] = []

    init(wakefd: Int32) {
        self.wakefd = wakefd
        semaphore = .allocate(capacity: 1)
        sem_init(semaphore, 0, 0)
    }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    /// Starts up to `count` threads; returns how many run.
    func start(count: Int) -> Int {
        for _ in 0..<max(1, count) {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            let rc = pthread_create(&thread, nil, { raw in
                let workers = Unmanaged<AuthWorkers>.fromOpaque(raw!).takeRetainedValue()
                workers.work()
                return nil
            }, context)
            guard rc == 0 else {
                Unmanaged<AuthWorkers>.fromOpaque(context).release()
                break
            }
            threads.append(thread)
        }
        return threads.count
    }

    func submit(_ job: AuthJob) {
        state.withLock { $0.jobs.append(job) }
        sem_post(semaphore)
    }

    func takeResults() -> [AuthResult] {
        state.withLock { s in
            defer { s.results.removeAll() }
            return s.results
        }
    }

    /// Lets the workers finish the check in progress, drops queued ones, and joins them.
    func stopAndJoin() {
        state.withLock { $0.stopping = true; $0.jobs.removeAll() }
        for _ in threads { sem_post(semaphore) }
        for t in threads { pthread_join(t, nil) }
        threads.removeAll()
    }

    private func work() {
        _ = clinux_set_thread_name("sealwatch-auth")
        let verifier = BcryptVerifier()
        while true {
            while sem_wait(semaphore) != 0 && errno == EINTR {}
            let next: AuthJob? = state.withLock { s in
                if s.stopping || s.jobs.isEmpty { return nil }
                return s.jobs.removeFirst()  // at most `maxPendingAuthChecks` queued
            }
            guard let job = next else {
                if state.withLock({ $0.stopping }) { return }
                continue
            }
            var check = job.check
            let ok = verifier.verify(password: check.password, hash: check.hash)
            check.password = ""  // the loop needs only the digest
            state.withLock { $0.results.append(AuthResult(connectionID: job.connectionID, fd: job.fd, check: check, ok: ok)) }
            var one: UInt64 = 1
            _ = write(wakefd, &one, 8)
        }
    }
}
