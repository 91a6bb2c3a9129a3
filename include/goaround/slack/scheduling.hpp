#pragma once

namespace goaround::slack {

// How the threads around the ack path ask the scheduler for it, each for the calling thread;
// neither needs privileges, and a kernel that cannot do it leaves the thread as it was.
// The ack thread: a 100 µs slice (EEVDF's custom slice, Linux 6.12 and later), so an envelope
// that arrives while a handler holds the CPU preempts it at once instead of waiting out the
// handler's slice (on 2 cores that wait was most of the ack's p99).
void prefer_for_acks();
// The work and the ledger's writer: nice 10, so on a busy machine the ack thread goes first.
void yield_to_acks(const char* who);

}  // namespace goaround::slack
