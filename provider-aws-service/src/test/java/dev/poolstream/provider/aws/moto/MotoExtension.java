package dev.poolstream.provider.aws.moto;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

/**
 * Starts one moto server for the whole test run (stopped at its end) and skips the tests that need it where moto
 * is not installed, with the reason. With {@code POOLSTREAM_REQUIRE_MOTO=true} (CI) a missing moto fails them
 * instead.
 */
public class MotoExtension implements BeforeAllCallback {

    public static final String REQUIRE_ENV = "POOLSTREAM_REQUIRE_MOTO";
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(MotoExtension.class);
    private static volatile MotoServer server;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = context.getRoot().getStore(NAMESPACE).computeIfAbsent(MotoServer.class, key -> {
            var missing = MotoServer.unavailable();
            if (missing.isPresent()) {
                throw missing(missing.get(), Boolean.parseBoolean(System.getenv(REQUIRE_ENV)));
            }
            try {
                return MotoServer.start();
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot start moto", e);
            }
        }, MotoServer.class);
    }

    /** What a missing moto means: a skip with the reason, or (when moto is required) a failure. */
    static RuntimeException missing(String reason, boolean required) {
        String why = "moto is not available (" + reason + "); install it with: " + MotoServer.python()
                + " -m pip install \"moto[server]\"";
        if (required) {
            return new IllegalStateException(why + " (" + REQUIRE_ENV + "=true: failing instead of skipping)");
        }
        System.err.println("[poolstream] skipping the tests that need moto: " + why);
        return new TestAbortedException("Skipped: " + why);
    }

    /** The running server; only within tests extended with this extension. */
    public static MotoServer server() {
        if (server == null) {
            throw new IllegalStateException("no moto server: extend the test with MotoExtension");
        }
        return server;
    }
}
