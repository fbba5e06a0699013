package io.multisite.news.routing;

import io.multisite.routing.Refusal;

/** The guard refused a write; nothing was written. */
public final class WriteRefusedException extends RuntimeException {

    private final transient Refusal refusal;

    WriteRefusedException(Refusal refusal) {
        super(refusal.message(), null, false, false);
        this.refusal = refusal;
    }

    public Refusal refusal() {
        return refusal;
    }
}
