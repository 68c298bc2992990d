package dev.poolstream.provider.aws.cloud;

import dev.poolstream.provider.cloud.RateLimiter;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/** Takes a token from the account's rate limiter before every HTTP attempt, retries included. */
public class RateLimitInterceptor implements ExecutionInterceptor {

    private final RateLimiter limiter;

    public RateLimitInterceptor(RateLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        limiter.acquire();
    }
}
