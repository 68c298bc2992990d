package dev.poolstream.watcher.kafka;

import java.util.function.Supplier;

/**
 * The class loader of the service's own classes, which sees Kafka's. Kafka clients load their serializers,
 * deserializers and assignor by class name from the thread's context class loader; a thread of the common fork-join
 * pool (where a completed future's callback may run) has the system class loader there, which in a Spring Boot jar
 * does not see Kafka's classes. So every Kafka client of the watcher is made through {@link #make}.
 */
final class ServiceClasses {

    static final ClassLoader LOADER = ServiceClasses.class.getClassLoader();

    private ServiceClasses() {
    }

    /** Makes a client with the service's class loader as the context class loader, whichever thread calls. */
    static <T> T make(Supplier<T> client) {
        Thread caller = Thread.currentThread();
        ClassLoader callers = caller.getContextClassLoader();
        caller.setContextClassLoader(LOADER);
        try {
            return client.get();
        } finally {
            caller.setContextClassLoader(callers);
        }
    }
}
