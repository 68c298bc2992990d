package dev.poolstream.testing;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Follows a real API server's audit log ({@link KubeApiServer#auditTail()}): each {@link #next()} reads only what the
 * server appended since the call before, up to its last complete line (the server may be writing the next one).
 */
public final class AuditLogTail {

    private final Path log;
    private long offset;

    AuditLogTail(Path log) {
        this.log = log;
        try {
            offset = Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the audit log " + log, e);
        }
    }

    /** The requests answered since the last call (since the tail was made, the first time), oldest first. */
    public synchronized List<AuditedRequest> next() {
        if (!Files.exists(log)) {
            return List.of();
        }
        List<AuditedRequest> requests = new ArrayList<>();
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long end = file.length();
            while (offset < end) {
                byte[] chunk = new byte[(int) Math.min(end - offset, 4 << 20)];
                file.seek(offset);
                file.readFully(chunk);
                int start = 0;
                for (int i = 0; i < chunk.length; i++) {
                    if (chunk[i] == '\n') {
                        if (i > start) {
                            AuditedRequest.parse(new String(chunk, start, i - start, StandardCharsets.UTF_8))
                                    .ifPresent(requests::add);
                        }
                        start = i + 1;
                    }
                }
                if (start == 0) {
                    if (chunk.length == 4 << 20) {
                        throw new IllegalStateException("an audit event longer than 4 MiB in " + log);
                    }
                    break; // a line still being written
                }
                offset += start;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the audit log " + log, e);
        }
        return requests;
    }
}
