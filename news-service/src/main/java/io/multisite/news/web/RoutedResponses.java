package io.multisite.news.web;

import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseEntity;

/** The headers of the public contract that tell a caller (and the gateway) how a request was routed. */
public final class RoutedResponses {

    /** The site that executed the request; on every response. */
    public static final String SERVED_BY = "X-Served-By";
    /** The user's unit; on every response about one user's data. */
    public static final String UNIT = "X-Unit";
    /** The routing epoch a write was admitted under (for reads: the epoch of the table held). */
    public static final String ROUTING_EPOCH = "X-Routing-Epoch";
    /** On 421: the site the routing table held here names as the owner. */
    public static final String OWNER_SITE = "X-Owner-Site";

    private RoutedResponses() {
    }

    public static ResponseEntity.BodyBuilder routed(HttpStatusCode status, int unit, long epoch) {
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(status).header(UNIT, String.valueOf(unit));
        // Epoch 0 means no table was held: there is no epoch to report.
        return epoch > 0 ? builder.header(ROUTING_EPOCH, String.valueOf(epoch)) : builder;
    }
}
