package io.multisite.news.routing;

import java.util.Locale;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.multisite.routing.Admission;
import io.multisite.routing.OwnershipGuard;
import io.multisite.routing.Refusal;
import io.multisite.routing.Tier;
import io.multisite.routing.Units;

/**
 * The service-side face of the {@link OwnershipGuard}: it works on user ids, turns refusals into
 * {@link WriteRefusedException}s (the web layer maps them to 421/503) and counts them.
 *
 * <p>Every write of this service is {@link Tier#TOLERANT}: posts are merged last-writer-wins, so
 * only the owner of the author's unit writes them, but neither the lease nor a RECOVERING unit
 * stops it. Reads are never guarded.
 */
public final class WriteGuard {

    private final OwnershipGuard guard;
    private final Units units;
    private final MeterRegistry meters;

    WriteGuard(OwnershipGuard guard, Units units, MeterRegistry meters) {
        this.guard = guard;
        this.units = units;
        this.meters = meters;
    }

    /** The site this instance writes as: the origin_site of every row it writes. */
    public String site() {
        return guard.site();
    }

    /**
     * Admits a tolerant write of the user's unit; close the result (try-with-resources) once the
     * transaction has ended, so that a fence of the unit waits for it before the move completes.
     *
     * @throws WriteRefusedException when the guard refuses; nothing has been written then
     */
    public GuardedWrite admit(String userId) {
        Admission admission = guard.admit(units.of(userId), Tier.TOLERANT);
        if (!admission.granted()) {
            throw refused(admission.refusal().orElseThrow());
        }
        return new GuardedWrite(admission);
    }

    private WriteRefusedException refused(Refusal refusal) {
        Counter.builder("multisite.guard.refusals")
                .description("Writes refused by the ownership guard")
                .tag("reason", refusal.reason().code())
                .tag("tier", Tier.TOLERANT.name().toLowerCase(Locale.ROOT))
                .register(meters)
                .increment();
        return new WriteRefusedException(refusal);
    }
}
