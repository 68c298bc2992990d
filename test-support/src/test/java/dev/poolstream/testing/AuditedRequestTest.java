package dev.poolstream.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit events as kube-apiserver 1.34 writes them (audit.k8s.io/v1, json). */
class AuditedRequestTest {

    private static final String STATUS_WRITE = """
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"a1",\
            "stage":"ResponseComplete","requestURI":"/apis/cluster.x-k8s.io/v1beta2/namespaces/bench/machinepools/p/status",\
            "verb":"update","user":{"username":"admin"},"userAgent":"poolstream-status-service/0.1.0",\
            "objectRef":{"resource":"machinepools","namespace":"bench","name":"p","apiGroup":"cluster.x-k8s.io",\
            "apiVersion":"v1beta2","subresource":"status"},\
            "responseStatus":{"metadata":{},"code":200},"responseObject":{"status":{"readyReplicas":19}},\
            "requestReceivedTimestamp":"2026-11-30T08:30:00.123456Z","stageTimestamp":"2026-11-30T08:30:00.131002Z"}""";
    private static final String WATCH_STARTED = """
            {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a2","stage":"ResponseStarted",\
            "verb":"watch","user":{"username":"admin"},"objectRef":{"resource":"nodes","apiVersion":"v1"},\
            "responseStatus":{"metadata":{},"code":200},\
            "requestReceivedTimestamp":"2026-11-30T08:30:01.000001Z","stageTimestamp":"2026-11-30T08:30:01.000900Z"}""";

    @Test
    void shouldReadTheTimesOfAWriteAndTheBodyThePolicyRecorded() {
        AuditedRequest write = AuditedRequest.parse(STATUS_WRITE).orElseThrow();
        assertThat(write.received()).isEqualTo(Instant.parse("2026-11-30T08:30:00.123456Z"));
        assertThat(write.completed()).isEqualTo(Instant.parse("2026-11-30T08:30:00.131002Z"));
        assertThat(write.responseObject().path("status").path("readyReplicas").asInt()).isEqualTo(19);
        assertThat(AuditedRequest.parse(WATCH_STARTED).orElseThrow().completed()).as("a watch only started").isNull();
        assertThat(AuditedRequest.parse("{\"stage\":\"ResponseComplete\",\"requestURI\":\"/healthz\"}")).isEmpty();
    }

    @Test
    void shouldKeepTheRecordedCallsReadableWithoutTheBody() {
        AuditedRequest write = AuditedRequest.parse(STATUS_WRITE).orElseThrow();
        String line = AuditedRequest.json(write, false);
        assertThat(line).doesNotContain("responseObject");
        assertThat(AuditedRequest.fromJson(line)).isEqualTo(new AuditedRequest("admin",
                "poolstream-status-service/0.1.0", "update", "cluster.x-k8s.io",
                "machinepools", "status", "bench", "p", 200, "", write.received(), write.completed(), null));
    }

    @Test
    void shouldGiveOnlyWhatWasAppendedSinceTheLastCallAndWaitForAHalfWrittenLine(@TempDir Path dir)
            throws Exception {
        Path log = Files.writeString(dir.resolve("audit.log"), WATCH_STARTED + "\n");
        AuditLogTail tail = new AuditLogTail(log);
        assertThat(tail.next()).isEmpty();
        Files.writeString(log, STATUS_WRITE + "\n" + WATCH_STARTED.substring(0, 40),
                java.nio.file.StandardOpenOption.APPEND);
        assertThat(tail.next()).extracting(AuditedRequest::verb).containsExactly("update");
        Files.writeString(log, WATCH_STARTED.substring(40) + "\n", java.nio.file.StandardOpenOption.APPEND);
        assertThat(tail.next()).extracting(AuditedRequest::verb).containsExactly("watch");
        assertThat(tail.next()).isEmpty();
    }
}
