package dev.poolstream.provider.aws.moto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class MotoExtensionTest {

    @Test
    void shouldExplainWhyWhenPythonCannotBeRun() {
        assertThat(MotoServer.unavailable("/nonexistent/python3")).hasValueSatisfying(why ->
                assertThat(why).contains("/nonexistent/python3"));
    }

    @Test
    void shouldSkipWithInstallHintWhenMotoIsMissingAndNotRequired() {
        assertThat(MotoExtension.missing("no module named moto", false)).isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("no module named moto").hasMessageContaining("pip install \"moto[server]\"");
    }

    @Test
    void shouldFailWhenMotoIsMissingAndRequired() {
        assertThat(MotoExtension.missing("no module named moto", true)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(MotoExtension.REQUIRE_ENV);
    }
}
