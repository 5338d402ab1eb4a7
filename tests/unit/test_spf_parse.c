/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_spf_parse.c - the SPF module's readers (daemon/spf_parse.c): raw
 * DNS answers into records, SPF records into terms. */
#include <stdlib.h>
#include <string.h>
#include <arpa/nameser.h>
#include "addr.h"
#include "dns_answer.h"
#include "spf_parse.h"
#include "test.h"

/* term_is - s parses, as kind with qualifier qual and target */
static int term_is(const char *s, enum spf_term_kind kind, char qual, const char *target)
{
	struct spf_term t;

	if (spf_term_parse(s, strlen(s), &t) < 0)
		return 0;
	return t.kind == kind && t.qual == qual && !strcmp(t.target, target);
}

/* refused - s is no term */
static int refused(const char *s)
{
	struct spf_term t;

	return spf_term_parse(s, strlen(s), &t) < 0;
}

TEST(spf_parse_terms)
{
	struct spf_term t;
	struct mxg_key k;

	CHECK(term_is("all", TERM_ALL, '+', ""));
	CHECK(term_is("-ALL", TERM_ALL, '-', ""));
	CHECK(term_is("~include:_SPF.Example.COM.", TERM_INCLUDE, '~', "_spf.example.com"));
	CHECK(term_is("?a", TERM_A, '?', ""));
	CHECK(term_is("mx:mail.example.com", TERM_MX, '+', "mail.example.com"));
	CHECK(term_is("ptr", TERM_PTR, '+', ""));
	CHECK(term_is("exists:e.example", TERM_EXISTS, '+', "e.example"));
	CHECK(term_is("redirect=r.example", TERM_REDIRECT, '+', "r.example"));
	CHECK(term_is("exp=explain.%{d}", TERM_EXP, '+', ""));
	CHECK(term_is("x-unknown=anything", TERM_MODIFIER, '+', ""));
	/* Lengths: a and mx take both, ip4 and ip6 their own. */
	CHECK_EQ_INT(spf_term_parse("a:h.example/24//64", 18, &t), 0);
	CHECK_EQ_INT(t.cidr4, 24);
	CHECK_EQ_INT(t.cidr6, 64);
	CHECK_EQ_INT(spf_term_parse("mx//48", 6, &t), 0);
	CHECK_EQ_INT(t.cidr4, 32);
	CHECK_EQ_INT(t.cidr6, 48);
	CHECK_EQ_INT(spf_term_parse("ip4:192.0.2.77/24", 17, &t), 0);
	CHECK_EQ_INT(addr_parse("192.0.2.0/24", &k), 0);
	CHECK(!memcmp(&t.net, &k, sizeof(k)));
	CHECK_EQ_INT(spf_term_parse("ip6:2001:DB8::/32", 17, &t), 0);
	CHECK_EQ_INT(t.net.plen, 32);
	/* A macro is noted, never resolved here. */
	CHECK_EQ_INT(spf_term_parse("exists:%{ir}.%{l1r-}.x.example", 30, &t), 0);
	CHECK(t.macro);
	CHECK_EQ_STR(t.target, "");
	CHECK_EQ_INT(spf_term_parse("a:%{d}/24", 9, &t), 0);
	CHECK(t.macro);
	CHECK_EQ_INT(t.cidr4, 24);
	CHECK(spf_term_looks_up(&t));
	CHECK_EQ_INT(spf_term_parse("ip4:192.0.2.1", 13, &t), 0);
	CHECK(!spf_term_looks_up(&t));
}

TEST(spf_parse_refuses_what_libspf2_or_the_rfc_refuses)
{
	static const char *const bad[] = {
		"foo:bar", "all:x", "include", "include:", "exists", "ip4",
		"ip4:192.0.2", "ip4:2001:db8::1", "ip6:192.0.2.1", "ip4:192.0.2.0/33",
		"ip4:192.0.2.0/0", "a/0", "a//0", "a//129", "a/", "-redirect=r.example",
		"foo.bar=x", "!all", "+", "a:bad..example", "a:bad_name!.example",
		"a:%", "a:%x", "a:%{d", "include:h.example/24", "exp=%", NULL };

	for (int i = 0; bad[i]; i++)
		if (!refused(bad[i]))
			test_fail(__FILE__, __LINE__, "\"%s\" was read as a term", bad[i]);
}

TEST(spf_parse_records)
{
	const char *p, *s;
	unsigned last;
	size_t len;
	int all;

	CHECK_EQ_INT(spf_record_check("v=spf1 a  mx  -all exp=e.example", &all, &last), 0);
	CHECK(all);
	CHECK_EQ_INT(last, 3);
	CHECK_EQ_INT(spf_record_check("v=spf1 ip4:192.0.2.0/24 redirect=r.example", &all,
				      &last), 0);
	CHECK(!all);
	CHECK_EQ_INT(last, 1);		/* redirect= is a modifier */
	CHECK_EQ_INT(spf_record_check("v=spf1 redirect=r.example exp=e.example a", &all,
				      &last), 0);
	CHECK_EQ_INT(last, 3);
	CHECK_EQ_INT(spf_record_check("v=spf1 redirect=a.example redirect=b.example", &all,
				      &last), -1);
	CHECK_EQ_INT(spf_record_check("v=spf1 a\tmx", &all, &last), -1);
	CHECK_EQ_INT(spf_record_check("v=spf1 a \x7f", &all, &last), -1);
	CHECK_EQ_INT(spf_record_check("v=spf1", &all, &last), 0);
	p = spf_record_terms("v=spf1  a   -all ");
	s = spf_next_term(&p, &len);
	CHECK(s && len == 1 && *s == 'a');
	s = spf_next_term(&p, &len);
	CHECK(s && len == 4 && !strncmp(s, "-all", 4));
	CHECK(spf_next_term(&p, &len) == NULL);
}

TEST(spf_parse_names)
{
	char out[SPF_DOMAIN_MAX], big[300];

	CHECK_EQ_INT(spf_name_norm("Mail.Example.COM.", out), 0);
	CHECK_EQ_STR(out, "mail.example.com");
	CHECK_EQ_INT(spf_name_norm("a+b.x.example", out), 0);	/* %{l} can */
	CHECK_EQ_INT(spf_name_norm("", out), -1);
	CHECK_EQ_INT(spf_name_norm(".", out), -1);
	CHECK_EQ_INT(spf_name_norm("a..b", out), -1);
	CHECK_EQ_INT(spf_name_norm("a b.example", out), -1);
	CHECK_EQ_INT(spf_name_norm("a\\.b.example", out), -1);
	memset(big, 'a', 64);
	strcpy(big + 64, ".example");
	CHECK_EQ_INT(spf_name_norm(big, out), -1);		/* a 64-byte label */
	for (int i = 0; i < 254; i++)
		big[i] = i % 2 ? '.' : 'a';
	big[253] = 'a';
	big[254] = 0;
	CHECK_EQ_INT(spf_name_norm(big, out), -1);		/* 254 bytes */
	big[253] = 0;
	CHECK_EQ_INT(spf_name_norm(big, out), 0);
}

/* free_set - what spf_answer_parse() kept */
static void free_set(struct spf_rrset *set)
{
	for (unsigned i = 0; i < set->n; i++)
		free(set->rr[i]);
	memset(set, 0, sizeof(*set));
}

TEST(spf_parse_answers)
{
	static const __u8 a1[4] = { 192, 0, 2, 1 }, a2[4] = { 192, 0, 2, 2 };
	static __u8 buf[16384];
	static char text[5000];
	struct spf_rrset set = { 0 };
	size_t n;

	n = dns_answer(buf, "example.com", DNS_T_TXT, (const struct dns_rr[]){
		{ DNS_T_TXT, 300, "google-site-verification=x", NULL },
		{ DNS_T_TXT, 60, "v=spf1 ip4:192.0.2.0/24 -all", NULL },
		{ DNS_T_TXT, 600, "v=spf10 +all", NULL } }, 3);
	CHECK_EQ_INT(spf_answer_parse(buf, (int)n, ns_t_txt, &set), 0);
	CHECK_EQ_INT(set.n, 1);
	CHECK_EQ_STR(set.rr[0], "v=spf1 ip4:192.0.2.0/24 -all");
	CHECK_EQ_INT(set.found, 3);
	CHECK_EQ_INT(set.ttl, 60);
	free_set(&set);
	/* Strings of 255 bytes are joined; a longer record is broken. */
	memset(text, 'x', sizeof(text) - 1);
	memcpy(text, "v=spf1 ", 7);
	text[600] = 0;
	n = dns_answer(buf, "example.com", DNS_T_TXT, (const struct dns_rr[]){
		{ DNS_T_TXT, 300, text, NULL } }, 1);
	CHECK_EQ_INT(spf_answer_parse(buf, (int)n, ns_t_txt, &set), 0);
	CHECK_EQ_INT(strlen(set.rr[0]), 600);
	free_set(&set);
	text[600] = 'x';
	n = dns_answer(buf, "example.com", DNS_T_TXT, (const struct dns_rr[]){
		{ DNS_T_TXT, 300, text, NULL } }, 1);
	CHECK_EQ_INT(spf_answer_parse(buf, (int)n, ns_t_txt, &set), 0);
	CHECK_EQ_STR(set.rr[0], SPF_BROKEN_RECORD);
	free_set(&set);
	/* A NUL cannot cut a record short. */
	n = dns_answer(buf, "example.com", DNS_T_TXT, (const struct dns_rr[]){
		{ DNS_T_TXT, 300, "v=spf1 ip4:192.0.2.1 Xall", NULL } }, 1);
	buf[n - 4] = 0;
	CHECK_EQ_INT(spf_answer_parse(buf, (int)n, ns_t_txt, &set), 0);
	CHECK_EQ_STR(set.rr[0], "v=spf1 ip4:192.0.2.1 \x7f" "all");
	free_set(&set);
	/* Addresses and names. */
	n = dns_answer(buf, "example.com", DNS_T_A, (const struct dns_rr[]){
		{ DNS_T_A, 300, NULL, a1 }, { DNS_T_A, 30, NULL, a2 } }, 2);
	CHECK_EQ_INT(spf_answer_parse(buf, (int)n, ns_t_a, &set), 0);
	CHECK_EQ_INT(set.n, 2);
	CHECK(!memcmp(set.rr[1], a2, 4));
	CHECK_EQ_INT(set.ttl, 30);
	free_set(&set);
	n = dns_answer(buf, "example.com", DNS_T_MX, (const struct dns_rr[]){
		{ DNS_T_MX, 300, "mx1.example.com", NULL } }, 1);
	CHECK_EQ_INT(spf_answer_parse(buf, (int)n, ns_t_mx, &set), 0);
	CHECK_EQ_STR(set.rr[0], "mx1.example.com");
	free_set(&set);
	/* Records of another type are no records of this one. */
	CHECK_EQ_INT(spf_answer_parse(buf, (int)n, ns_t_a, &set), 0);
	CHECK_EQ_INT(set.n, 0);
	CHECK_EQ_INT(set.found, 0);
	/* Cut short, anywhere. */
	for (size_t cut = 0; cut < n; cut++) {
		CHECK_EQ_INT(spf_answer_parse(buf, (int)cut, ns_t_mx, &set), -1);
		free_set(&set);
	}
	CHECK_EQ_INT(spf_answer_parse(NULL, 0, ns_t_mx, &set), -1);
	/* A TXT string longer than its rdata. */
	n = dns_answer(buf, "example.com", DNS_T_TXT, (const struct dns_rr[]){
		{ DNS_T_TXT, 300, "v=spf1 -all", NULL } }, 1);
	buf[n - 12] = 200;
	CHECK_EQ_INT(spf_answer_parse(buf, (int)n, ns_t_txt, &set), -1);
	free_set(&set);
}

TEST(spf_parse_negative_ttl_from_the_soa)
{
	__u8 buf[512];
	size_t n = dns_answer(buf, "none.example", DNS_T_TXT, NULL, 0);
	struct spf_rrset set = { 0 };
	size_t rdlen_at;

	/* An SOA in the authority section: TTL 900, minimum 120. */
	buf[9] = 1;				/* nscount */
	n += dns_put16(buf + n, 0xc00c);
	n += dns_put16(buf + n, 6);		/* SOA */
	n += dns_put16(buf + n, 1);
	n += dns_put16(buf + n, 0);
	n += dns_put16(buf + n, 900);
	rdlen_at = n;
	n += 2;
	n += dns_put_name(buf + n, "ns.example");
	n += dns_put_name(buf + n, "hostmaster.example");
	for (int i = 0; i < 4; i++) {
		n += dns_put16(buf + n, 0);
		n += dns_put16(buf + n, 1);
	}
	n += dns_put16(buf + n, 0);
	n += dns_put16(buf + n, 120);
	dns_put16(buf + rdlen_at, (unsigned)(n - rdlen_at - 2));
	CHECK_EQ_INT(spf_answer_parse(buf, (int)n, ns_t_txt, &set), 0);
	CHECK_EQ_INT(set.n, 0);
	CHECK_EQ_INT(set.neg_ttl, 120);
}
