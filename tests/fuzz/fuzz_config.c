/*
 * libFuzzer harness: the XML loader and the model it builds. Any input must
 * be refused cleanly or give a model that survives the snapshot round trip
 * and its own XML.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gcp_model.h"
#include "gcp_snap.h"
#include "gcp_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gcp_cfg_t *cfg = NULL, *again = NULL, *thawed;
	char err[GCP_ERR_LEN];
	char *xml;
	size_t len;
	void *snap;

	if(gcp_cfg_parse((const char *)data, size, "fuzz.xml", &cfg, err,
			   sizeof(err))
			< 0) {
		if(err[0] == '\0')
			abort(); /* a refusal always says why */
		return 0;
	}
	/* what was accepted must write out and read back the same */
	xml = gcp_cfg_to_xml(cfg, &len);
	if(xml == NULL)
		abort();
	if(gcp_cfg_parse(xml, len, "again.xml", &again, err, sizeof(err)) < 0)
		abort();
	snap = aligned_alloc(8, (gcp_snap_size(cfg) + 7) & ~(size_t)7);
	gcp_snap_build(cfg, snap);
	thawed = gcp_snap_thaw(snap);
	if(thawed == NULL || thawed->nranges != cfg->nranges
			|| thawed->nmembers != cfg->nmembers
			|| again->nmembers != cfg->nmembers
			|| thawed->nlists != cfg->nlists || again->nlists != cfg->nlists)
		abort();
	/* every group list is found again in the snapshot, in order */
	for(size_t i = 0; i < cfg->nlists; i++) {
		char out[GCP_MAX_ALSO][GCP_MAX_NUMBER + 1];
		const gcp_group_list_t *l = &cfg->lists[i];
		if(gcp_snap_group_also(snap, l->group, strlen(l->group), out,
				   GCP_MAX_ALSO)
				!= l->nalso)
			abort();
		for(size_t j = 0; j < l->nalso; j++)
			if(strcmp(out[j], l->also[j]) != 0
					|| !gcp_snap_is_group(snap, out[j], strlen(out[j])))
				abort();
	}
	/* every member's group is found again in the snapshot */
	for(size_t i = 0; i < cfg->nmembers; i++) {
		const char *g;
		size_t glen;
		const gcp_member_t *m = &cfg->members[i];
		if(!gcp_snap_member_group(snap, m->user, strlen(m->user), &g, &glen)
				|| glen != strlen(m->group) || memcmp(g, m->group, glen) != 0
				|| !gcp_snap_is_group(snap, m->group, strlen(m->group)))
			abort();
	}
	gcp_cfg_free(thawed);
	free(snap);
	free(xml);
	gcp_cfg_free(again);
	gcp_cfg_free(cfg);
	return 0;
}
