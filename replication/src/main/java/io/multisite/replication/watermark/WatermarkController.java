package io.multisite.replication.watermark;

import java.util.List;
import java.util.Map;

import io.multisite.replication.ReplicationProperties;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
class WatermarkController {

    private final Watermarks watermarks;
    private final String site;

    WatermarkController(Watermarks watermarks, ReplicationProperties properties) {
        this.watermarks = watermarks;
        this.site = properties.site();
    }

    /** What this site has applied, per origin and database; an origin missing here has delivered no complete watermark yet. */
    @GetMapping("/api/replication/watermarks")
    Map<String, Object> watermarks() {
        List<Map<String, Object>> all = watermarks.all().stream().map(WatermarkPublisher::json).toList();
        return Map.of("site", site, "watermarks", all);
    }
}
