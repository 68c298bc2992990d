package dev.poolstream.provider.azure.cloud;

import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.policy.HttpPipelineSyncPolicy;
import dev.poolstream.provider.cloud.RateLimiter;

/**
 * Takes a token from the account's rate limiter before every HTTP attempt (after the retry policy, so retries and
 * long-running-operation polls count too).
 */
public class RateLimitPolicy extends HttpPipelineSyncPolicy {

    private final RateLimiter limiter;

    public RateLimitPolicy(RateLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    protected void beforeSendingRequest(HttpPipelineCallContext context) {
        limiter.acquire();
    }

    @Override
    public HttpPipelinePosition getPipelinePosition() {
        return HttpPipelinePosition.PER_RETRY;
    }
}
