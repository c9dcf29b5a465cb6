/* tests/kafka/kafka_tool.c: test helper around librdkafka's mock cluster (rdkafka_mock.h), a
 * real Kafka-protocol broker set on loopback.
 *
 *   kafka_tool cluster [BROKERS] [TOPIC...]
 *       starts a mock cluster (3 brokers by default), creates the topics (3 partitions,
 *       replication 3 or fewer), prints the bootstrap list on a line, then obeys stdin:
 *       "down" / "up" (all brokers), "down N" / "up N" (broker N), "quit" (or end of input).
 *   kafka_tool consume BOOTSTRAP TOPIC [IDLE_MS]
 *       reads the topic from the beginning until IDLE_MS (default 3000) pass without a
 *       message, and prints one line per message: key, TAB, the event_type header, TAB, value.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static int
cluster(int argc, char **argv)
{
	char err[512], line[256];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mc;
	int nbrokers = argc > 2 ? atoi(argv[2]) : 3, i; /* test tool: plain parsing is fine */

	if (nbrokers < 1)
		nbrokers = 3;
	rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "kafka_tool: %s\n", err);
		return 1;
	}
	if ((mc = rd_kafka_mock_cluster_new(rk, nbrokers)) == NULL) {
		fprintf(stderr, "kafka_tool: cannot start the mock cluster\n");
		return 1;
	}
	for (i = 3; i < argc; i++)
		rd_kafka_mock_topic_create(mc, argv[i], 3, nbrokers < 3 ? nbrokers : 3);
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		int id = 0, b;

		if (strncmp(line, "quit", 4) == 0)
			break;
		if (sscanf(line, "down %d", &id) == 1) {
			rd_kafka_mock_broker_set_down(mc, id);
		} else if (sscanf(line, "up %d", &id) == 1) {
			rd_kafka_mock_broker_set_up(mc, id);
		} else if (strncmp(line, "down", 4) == 0) {
			for (b = 1; b <= nbrokers; b++)
				rd_kafka_mock_broker_set_down(mc, b);
		} else if (strncmp(line, "up", 2) == 0) {
			for (b = 1; b <= nbrokers; b++)
				rd_kafka_mock_broker_set_up(mc, b);
		}
		fprintf(stderr, "kafka_tool: %s", line);
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}

static int
consume(int argc, char **argv)
{
	char err[512], group[64];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_topic_partition_list_t *topics;
	rd_kafka_t *rk;
	int idle = argc > 4 ? atoi(argv[4]) : 3000, waited = 0;

	snprintf(group, sizeof(group), "kafka-tool-%ld", (long)getpid());
	if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[2], err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "group.id", group, err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err, sizeof(err)) ||
	    rd_kafka_conf_set(conf, "enable.partition.eof", "false", err, sizeof(err))) {
		fprintf(stderr, "kafka_tool: %s\n", err);
		return 1;
	}
	if ((rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "kafka_tool: %s\n", err);
		return 1;
	}
	rd_kafka_poll_set_consumer(rk);
	/* Assign every partition from the start: no group coordination needed. */
	{
		const struct rd_kafka_metadata *md = NULL;
		rd_kafka_topic_t *t = rd_kafka_topic_new(rk, argv[3], NULL);
		int p, np = 0;

		if (rd_kafka_metadata(rk, 0, t, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
		    md->topic_cnt == 1)
			np = md->topics[0].partition_cnt;
		if (md != NULL)
			rd_kafka_metadata_destroy(md);
		rd_kafka_topic_destroy(t);
		if (np == 0) {
			fprintf(stderr, "kafka_tool: no partitions for %s\n", argv[3]);
			rd_kafka_destroy(rk);
			return 1;
		}
		topics = rd_kafka_topic_partition_list_new(np);
		for (p = 0; p < np; p++)
			rd_kafka_topic_partition_list_add(topics, argv[3], p)->offset =
				RD_KAFKA_OFFSET_BEGINNING;
		rd_kafka_assign(rk, topics);
		rd_kafka_topic_partition_list_destroy(topics);
	}
	while (waited < idle) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
		rd_kafka_headers_t *hdrs = NULL;
		const void *hv = NULL;
		size_t hl = 0;

		if (m == NULL) {
			waited += 100;
			continue;
		}
		if (m->err) {
			rd_kafka_message_destroy(m);
			waited += 100;
			continue;
		}
		waited = 0;
		if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR)
			rd_kafka_header_get_last(hdrs, "event_type", &hv, &hl);
		printf("%.*s\t%.*s\t%.*s\n", (int)m->key_len, (const char *)m->key, (int)hl,
		       hv != NULL ? (const char *)hv : "", (int)m->len, (const char *)m->payload);
		rd_kafka_message_destroy(m);
	}
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return 0;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && strcmp(argv[1], "cluster") == 0)
		return cluster(argc, argv);
	if (argc >= 4 && strcmp(argv[1], "consume") == 0)
		return consume(argc, argv);
	fprintf(stderr, "usage: kafka_tool cluster [BROKERS] [TOPIC...] | consume BOOTSTRAP TOPIC "
			"[IDLE_MS]\n");
	return 2;
}
