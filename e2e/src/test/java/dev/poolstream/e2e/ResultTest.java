package dev.poolstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResultTest {

    @Test
    void shouldPassOnlyWhenEveryCheckPassedAndNothingWentWrong() {
        Result ok = new Result("scale-up", "workers").check("a", true, null).converged(9.5);
        Result failed = new Result("scale-up", "workers").check("a", true, null).check("b", false, "why");
        Result broken = new Result("kill-broker", "x").check("a", true, null).error("boom");

        assertThat(ok.passed()).isTrue();
        assertThat(failed.passed()).isFalse();
        assertThat(broken.passed()).isFalse();
        assertThat(new Result("x", "no checks").passed()).isFalse();
    }

    @Test
    void shouldPrintMeasurementsAndEveryVerdict() {
        String table = new Result("kill-status-service", "kill-status, 5 -> 20").seconds("change -> converged", 12.345)
                .seconds("restart -> working again", null).check("converged", true, "20/20")
                .check("working again", false, "not seen").table();

        assertThat(table).contains("kill-status-service: kill-status, 5 -> 20", "FAILED", "12.35 s",
                "restart -> working again", "ok     converged", "FAILED working again");
    }

    @Test
    void shouldSummariseEachScenarioBesideItsUndisturbedTimeWithWhatFailed() {
        Result r = new Result("kill-status-service-down", "x").converged(12.0).undisturbed(4.5).workingAgain(8.25)
                .readyToWorking(1.0).check("converged", true, "").check("ends in the undisturbed run's state", false,
                        "got ...").note("extra");

        assertThat(r.summaryLine()).contains("kill-status-service-down", "12.00 s", "4.50 s", "8.25 s", "1.00 s",
                "FAILED (ends in the undisturbed run's state)", "; extra");
        assertThat(Result.SUMMARY_HEADER).contains("scenario", "converged", "undisturbed", "working", "ready->work");
        assertThat(new Result("a", "b").check("x", true, "").summaryLine()).contains("passed").doesNotContain(";");
    }
}
