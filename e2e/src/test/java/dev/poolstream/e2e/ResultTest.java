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
}
