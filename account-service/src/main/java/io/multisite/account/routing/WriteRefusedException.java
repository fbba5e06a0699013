package io.multisite.account.routing;

import io.multisite.routing.Refusal;
import io.multisite.routing.Tier;

/** The guard refused a write; nothing was written. */
public final class WriteRefusedException extends RuntimeException {

    private final transient Refusal refusal;
    private final Tier tier;

    WriteRefusedException(Refusal refusal, Tier tier) {
        super(refusal.message(), null, false, false);
        this.refusal = refusal;
        this.tier = tier;
    }

    public Refusal refusal() {
        return refusal;
    }

    public Tier tier() {
        return tier;
    }
}
