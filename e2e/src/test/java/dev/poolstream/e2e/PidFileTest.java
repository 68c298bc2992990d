package dev.poolstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidFileTest {

    @Test
    void shouldReadTheStartTimeAfterAProcessNameWithSpacesAndParentheses() {
        String stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 12 0 987654 1000 10";

        assertThat(PidFile.parseStartTime(stat)).contains("987654");
        assertThat(PidFile.parseStartTime("garbage")).isEqualTo(Optional.empty());
    }

    @Test
    void shouldRecordThisProcessWithTheStartTimeTheShellCompares(@TempDir Path dir) throws Exception {
        PidFile pids = new PidFile(dir.resolve("pids"));
        long self = ProcessHandle.current().pid();

        pids.record(self, "the test");

        String line = Files.readString(dir.resolve("pids")).trim();
        assertThat(line).startsWith(self + " ").endsWith(" the_test");
        if (Files.exists(Path.of("/proc/self/stat"))) {
            assertThat(line.split(" ")[1]).isEqualTo(PidFile.startTime(self).orElseThrow()).isNotEqualTo("0");
        }
    }
}
