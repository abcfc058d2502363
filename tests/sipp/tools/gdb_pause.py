# gdb (Python) script: force an interleaving in a running Kamailio process.
# At the first call of GCP_PAUSE_FN in the attached process, it stops that
# process for GCP_PAUSE_SECONDS, at the function's entry or right after it
# returns (GCP_PAUSE_AT: entry | return), then removes its breakpoints and
# detaches; the process goes on as before. GCP_PAUSE_READY names a file
# written once the breakpoint is set, GCP_PAUSE_DONE one written when the
# pause is over. Used by tests/sipp/tests_review.sh (pause_in_timer).
import os
import time

import gdb

fn = os.environ["GCP_PAUSE_FN"]
at = os.environ.get("GCP_PAUSE_AT", "entry")
seconds = float(os.environ.get("GCP_PAUSE_SECONDS", "1"))


def mark(var):
    path = os.environ.get(var)
    if path:
        with open(path, "w") as f:
            f.write("%s %s %.3f\n" % (fn, at, time.time()))


class AfterReturn(gdb.FinishBreakpoint):
    def stop(self):
        time.sleep(seconds)
        return True

    def out_of_scope(self):
        pass


class AtCall(gdb.Breakpoint):
    def stop(self):
        self.enabled = False
        if at == "return":
            AfterReturn(gdb.newest_frame(), internal=True)
            return False
        time.sleep(seconds)
        return True


gdb.execute("set pagination off")
gdb.execute("set confirm off")
AtCall(fn)
mark("GCP_PAUSE_READY")
gdb.execute("continue")
mark("GCP_PAUSE_DONE")
gdb.execute("delete")
gdb.execute("detach")
