package dev.poolstream.provider.aws.moto;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Counts the AWS API calls the provider makes (one per operation, however many HTTP attempts it took) and the HTTP
 * attempts, with the thread that made them; reads are the {@code Describe*} operations, everything else writes.
 */
public class ApiCalls implements ExecutionInterceptor {

    /** One call or attempt. */
    public record Call(String operation, String thread, boolean attempt) {
        public boolean read() {
            return operation.startsWith("Describe");
        }
    }

    private final List<Call> calls = new ArrayList<>();

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        record(attributes, false);
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        record(attributes, true);
    }

    private synchronized void record(ExecutionAttributes attributes, boolean attempt) {
        calls.add(new Call(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME),
                Thread.currentThread().getName(), attempt));
    }

    /** A mark to count from. */
    public synchronized int mark() {
        return calls.size();
    }

    /** The calls (not attempts) since the mark. */
    public synchronized List<Call> callsSince(int mark) {
        return new ArrayList<>(calls.subList(mark, calls.size())).stream().filter(c -> !c.attempt()).toList();
    }

    /** The HTTP attempts since the mark. */
    public synchronized List<Call> attemptsSince(int mark) {
        return new ArrayList<>(calls.subList(mark, calls.size())).stream().filter(Call::attempt).toList();
    }

    public static long writes(List<Call> calls) {
        return calls.stream().filter(c -> !c.read()).count();
    }

    public static long reads(List<Call> calls) {
        return calls.stream().filter(Call::read).count();
    }
}
