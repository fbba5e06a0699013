package io.multisite.news.web;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The body of a guard refusal: the error shape plus what the refusal was judged on.
 *
 * @param owner the site the routing table names as the unit's owner (only on 421, where it is
 *              where the caller should go instead)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record RefusalError(String error, String message, int unit, long epoch, String owner) {
}
