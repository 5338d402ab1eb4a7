/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * name_corpus.h - reverse names of mail servers and end-user lines, each
 * with what it is, for test_corpus.c: the whole name classifier with the
 * shipped defaults must pass every big provider's pool and delay every
 * dynamic line.
 *
 *   PROVIDER  an outbound server of a big provider, named as its pools
 *             are (the naming schemes of their PTR records and Received
 *             headers; the numbers vary)
 *   DYNAMIC   an end-user line (dial-up, DSL, cable, FTTH, mobile data)
 *             or a rented cloud machine with a generic name: the S25R
 *             examples of DOMAIN.md and the seeds, their supplemental
 *             patterns' examples, and today's Japanese access lines
 *   CLEAN     another mail server: a company's, a university's, a hosting
 *             provider's or a mail filtering service's. S25R delays some
 *             of them; the test prints which (information, not failure).
 *
 * Included once, by test_corpus.c.
 */
#ifndef MXG_NAME_CORPUS_H
#define MXG_NAME_CORPUS_H

enum corpus_kind { CORPUS_PROVIDER, CORPUS_DYNAMIC, CORPUS_CLEAN };

static const struct {
	enum corpus_kind kind;
	const char *name;
} name_corpus[] = {
	/* --- big providers --- */
	/* Google: Gmail, Workspace (IPv4 f-, IPv6 x- pools) */
	{ CORPUS_PROVIDER, "mail-wm1-f54.google.com" },
	{ CORPUS_PROVIDER, "mail-ej1-f41.google.com" },
	{ CORPUS_PROVIDER, "mail-pl1-f171.google.com" },
	{ CORPUS_PROVIDER, "mail-qt1-f180.google.com" },
	{ CORPUS_PROVIDER, "mail-yw1-f169.google.com" },
	{ CORPUS_PROVIDER, "mail-oa1-f48.google.com" },
	{ CORPUS_PROVIDER, "mail-io1-xd2f.google.com" },
	{ CORPUS_PROVIDER, "mail-lj1-x232.google.com" },
	/* Microsoft 365, Outlook.com (EOP), Hotmail */
	{ CORPUS_PROVIDER, "mail-dm6nam12on2041.outbound.protection.outlook.com" },
	{ CORPUS_PROVIDER, "mail-bn8nam11on2090.eop-nam11.outbound.protection.outlook.com" },
	{ CORPUS_PROVIDER, "mail-am6eur05on2092.outbound.protection.outlook.com" },
	{ CORPUS_PROVIDER, "mail-tycjpn01on2101.outbound.protection.outlook.com" },
	{ CORPUS_PROVIDER, "mail-os0jpn01on2041.outbound.protection.outlook.com" },
	{ CORPUS_PROVIDER, "mail-oln040092065088.outbound.protection.outlook.com" },
	{ CORPUS_PROVIDER, "mail-eopbgr1300081.outbound.protection.outlook.com" },
	{ CORPUS_PROVIDER, "blu004-omc1s12.hotmail.com" },
	{ CORPUS_PROVIDER, "col004-omc2s5.hotmail.com" },
	{ CORPUS_PROVIDER, "snt004-omc3s18.hotmail.com" },
	/* Yahoo (AOL's mail too), Yahoo! JAPAN, AOL's own relays */
	{ CORPUS_PROVIDER, "sonic309-21.consmr.mail.ne1.yahoo.com" },
	{ CORPUS_PROVIDER, "sonic301-3.consmr.mail.bf2.yahoo.com" },
	{ CORPUS_PROVIDER, "sonic316-12.consmr.mail.gq1.yahoo.com" },
	{ CORPUS_PROVIDER, "nm12-vm0.bullet.mail.bf1.yahoo.com" },
	{ CORPUS_PROVIDER, "nh604-vm6.bullet.mail.ssk.yahoo.co.jp" },
	{ CORPUS_PROVIDER, "mta-snd-e05.mail.yahoo.co.jp" },
	{ CORPUS_PROVIDER, "omr-m021e.mx.aol.com" },
	/* Apple: iCloud pools, Apple's own mail */
	{ CORPUS_PROVIDER, "st43p00im-ztfb10063301.me.com" },
	{ CORPUS_PROVIDER, "ms11p00im-qufo17281601.me.com" },
	{ CORPUS_PROVIDER, "pv50p00im-ztdg10011901.me.com" },
	{ CORPUS_PROVIDER, "qs51p00im-qukt01071502.mail.icloud.com" },
	{ CORPUS_PROVIDER, "mr85p00im-ztdg06021801.mail.icloud.com" },
	{ CORPUS_PROVIDER, "rn2-txn-msbadger07104.apple.com" },
	{ CORPUS_PROVIDER, "ma1-aaemail-dr-lapp03.outbound.mail.apple.com" },
	/* Amazon SES */
	{ CORPUS_PROVIDER, "a27-12.smtp-out.us-west-2.amazonses.com" },
	{ CORPUS_PROVIDER, "e226-55.smtp-out.us-east-2.amazonses.com" },
	{ CORPUS_PROVIDER, "a8-35.smtp-out.amazonses.com" },
	{ CORPUS_PROVIDER, "a48-110.smtp-out.amazonses.com" },
	{ CORPUS_PROVIDER, "e234-1.smtp-out.ap-northeast-1.amazonses.com" },
	/* SendGrid */
	{ CORPUS_PROVIDER, "o1.ptr1234.example.sendgrid.net" },
	{ CORPUS_PROVIDER, "wrqvdxzv.outbound-mail.sendgrid.net" },
	{ CORPUS_PROVIDER, "xvfrfwsk.outbound-mail.sendgrid.net" },
	/* Mailgun */
	{ CORPUS_PROVIDER, "m228-12.mailgun.net" },
	{ CORPUS_PROVIDER, "so254-31.mailgun.net" },
	{ CORPUS_PROVIDER, "m42-8.mailgun.net" },
	{ CORPUS_PROVIDER, "m239-3.eu.mailgun.net" },
	/* Mailchimp, Mandrill */
	{ CORPUS_PROVIDER, "mail187-12.suw21.mandrillapp.com" },
	{ CORPUS_PROVIDER, "mail132-5.atl131.mandrillapp.com" },
	{ CORPUS_PROVIDER, "mail1.mcsv.net" },
	{ CORPUS_PROVIDER, "mail7.suw11.mcsv.net" },
	{ CORPUS_PROVIDER, "mail94.atl91.rsgsv.net" },
	{ CORPUS_PROVIDER, "mail55.atl61.mcdlv.net" },
	/* Fastmail, Proton, Zoho */
	{ CORPUS_PROVIDER, "wout5-smtp.messagingengine.com" },
	{ CORPUS_PROVIDER, "fout-a1-smtp.messagingengine.com" },
	{ CORPUS_PROVIDER, "mail-40131.protonmail.ch" },
	{ CORPUS_PROVIDER, "mail-4316.protonmail.ch" },
	{ CORPUS_PROVIDER, "sender4-op-o14.zoho.com" },
	/* The Japanese carriers' mail relays (the seeds' allowlists) */
	{ CORPUS_PROVIDER, "nx3oBP03-05.ezweb.ne.jp" },
	{ CORPUS_PROVIDER, "mx3oBP01-01.ezweb.ne.jp" },
	{ CORPUS_PROVIDER, "mfsmax.docomo.ne.jp" },
	{ CORPUS_PROVIDER, "imta-v05.docomo.ne.jp" },
	{ CORPUS_PROVIDER, "mfsmge11.softbank.ne.jp" },
	{ CORPUS_PROVIDER, "rsmtp11-4.softbank.ne.jp" },
	{ CORPUS_PROVIDER, "mgw3.vodafone.ne.jp" },

	/* --- end-user lines --- */
	/* The S25R rules' own examples (DOMAIN.md, the seeds) */
	{ CORPUS_DYNAMIC, "evrtwa1-ar3-4-65-157-048.evrtwa1.dsl-verizon.net" },
	{ CORPUS_DYNAMIC, "a12a190.neo.rr.com" },
	{ CORPUS_DYNAMIC, "pcp04083532pcs.levtwn01.pa.comcast.net" },
	{ CORPUS_DYNAMIC, "398pkj.cm.chello.no" },
	{ CORPUS_DYNAMIC, "host.101.169.23.62.rev.coltfrance.com" },
	{ CORPUS_DYNAMIC, "wbar9.chi1-4-11-085-222.dsl-verizon.net" },
	{ CORPUS_DYNAMIC, "d5.GtokyoFL27.vectant.ne.jp" },
	{ CORPUS_DYNAMIC, "dhcp0339.vpm.resnet.group.upenn.edu" },
	{ CORPUS_DYNAMIC, "dialupM107.ptld.uswest.net" },
	{ CORPUS_DYNAMIC, "PPPbf708.tokyo-ip.dti.ne.jp" },
	{ CORPUS_DYNAMIC, "dsl411.rbh-brktel.pppoe.execulink.com" },
	{ CORPUS_DYNAMIC, "adsl-1415.camtel.net" },
	{ CORPUS_DYNAMIC, "xdsl-5790.lubin.dialog.net.pl" },
	/* The seeds' supplemental patterns' examples */
	{ CORPUS_DYNAMIC, "pr86.internetdsl.tpnet.pl" },
	{ CORPUS_DYNAMIC, "fq217.neoplus.adsl.tpnet.pl" },
	{ CORPUS_DYNAMIC, "pa148.braniewo.sdi.tpnet.pl" },
	{ CORPUS_DYNAMIC, "user-0cetcbr.cable.mindspring.com" },
	{ CORPUS_DYNAMIC, "user-vc8fldi.biz.mindspring.com" },
	{ CORPUS_DYNAMIC, "c9531ecc.virtua.com.br" },
	{ CORPUS_DYNAMIC, "c9066a60.static.spo.virtua.com.br" },
	{ CORPUS_DYNAMIC, "catv-5984bdee.catv.broadband.hu" },
	{ CORPUS_DYNAMIC, "Edc3e.e.pppool.de" },
	{ CORPUS_DYNAMIC, "BAA1408.baa.pppool.de" },
	{ CORPUS_DYNAMIC, "pD9EB80CB.dip0.t-ipconnect.de" },
	{ CORPUS_DYNAMIC, "pD9E799A1.dip.t-dialin.net" },
	{ CORPUS_DYNAMIC, "ool-43511bdc.dyn.optonline.net" },
	{ CORPUS_DYNAMIC, "rt-dkz-1699.adsl.wanadoo.nl" },
	{ CORPUS_DYNAMIC, "c3eea5738.cable.wanadoo.nl" },
	{ CORPUS_DYNAMIC, "ACBBD419.ipt.aol.com" },
	/* The seeds' FTTH line, a known S25R hit admins allowlist by hand */
	{ CORPUS_DYNAMIC, "122x208x136x57.ap122.ftth.ucom.ne.jp" },
	/* Japanese access lines today: FTTH, ADSL, CATV, mobile data */
	{ CORPUS_DYNAMIC, "p7204-ipbf1103funabasi.chiba.ocn.ne.jp" },
	{ CORPUS_DYNAMIC, "softbank126012034056.bbtec.net" },
	{ CORPUS_DYNAMIC, "KD106154012034.au-net.ne.jp" },
	{ CORPUS_DYNAMIC, "KD111239164117.ppp-bb.dion.ne.jp" },
	{ CORPUS_DYNAMIC, "i114-180-12-34.s41.a013.ap.plala.or.jp" },
	{ CORPUS_DYNAMIC, "zaq3dc0a1b2.zaq.ne.jp" },
	{ CORPUS_DYNAMIC, "110-132-12-34.eonet.ne.jp" },
	{ CORPUS_DYNAMIC, "sp49-96-12-34.msc.spmode.ne.jp" },
	{ CORPUS_DYNAMIC, "FL1-122-130-12-34.tky.mesh.ad.jp" },
	{ CORPUS_DYNAMIC, "ntoska012034.oska.nt.ftth4.ppp.infoweb.ne.jp" },
	{ CORPUS_DYNAMIC, "nthygo012034.hygo.nt.adsl.ppp.infoweb.ne.jp" },
	{ CORPUS_DYNAMIC, "h175-177-012-034.catv02.itscom.jp" },
	{ CORPUS_DYNAMIC, "M106072012034.v4.enabler.ne.jp" },
	{ CORPUS_DYNAMIC, "pw126012034056.3.panda-world.ne.jp" },
	{ CORPUS_DYNAMIC, "ai126012034056.1.tss.access-internet.ne.jp" },
	{ CORPUS_DYNAMIC, "61-23-45-67.rev.home.ne.jp" },
	{ CORPUS_DYNAMIC, "pl12345.ag1212.nttpc.ne.jp" },
	/* Elsewhere */
	{ CORPUS_DYNAMIC, "c-73-12-34-56.hsd1.ca.comcast.net" },
	{ CORPUS_DYNAMIC, "cpe-72-134-12-34.socal.res.rr.com" },
	{ CORPUS_DYNAMIC, "pool-71-112-34-56.nycmny.fios.verizon.net" },
	{ CORPUS_DYNAMIC, "host86-123-45-67.range86-123.btcentralplus.com" },
	{ CORPUS_DYNAMIC, "dslb-088-072-012-034.088.072.pools.vodafone-ip.de" },
	{ CORPUS_DYNAMIC, "lfbn-ren-1-234-56.w86-123.abo.wanadoo.fr" },
	{ CORPUS_DYNAMIC, "bzq-79-180-12-34.red.bezeqint.net" },
	{ CORPUS_DYNAMIC, "p200300c5a70a1200a1b2c3d4e5f6a7b8.dip0.t-ipconnect.de" },
	/* Rented machines under the big companies' other domains: not theirs */
	{ CORPUS_DYNAMIC, "ec2-54-123-45-67.compute-1.amazonaws.com" },
	{ CORPUS_DYNAMIC, "89.67.45.34.bc.googleusercontent.com" },

	/* --- other mail servers --- */
	{ CORPUS_CLEAN, "teng.miyazaki-u.ac.jp" },
	{ CORPUS_CLEAN, "mail.miyazaki-u.ac.jp" },
	{ CORPUS_CLEAN, "mx1.example.co.jp" },
	{ CORPUS_CLEAN, "smtp01.example.ne.jp" },
	{ CORPUS_CLEAN, "mail-gw.example.go.jp" },
	{ CORPUS_CLEAN, "mx01.example.edu" },
	{ CORPUS_CLEAN, "mfilter.example.org" },
	{ CORPUS_CLEAN, "mta-out.example.net" },
	{ CORPUS_CLEAN, "out1.example.com" },
	{ CORPUS_CLEAN, "mail.sender.example" },
	{ CORPUS_CLEAN, "mx2.sender.example" },
	{ CORPUS_CLEAN, "mout.gmx.net" },
	{ CORPUS_CLEAN, "mout.web.de" },
	{ CORPUS_CLEAN, "mta-snd-e07.mail.nifty.com" },
	{ CORPUS_CLEAN, "mo-csw1116.securemx.jp" },
	{ CORPUS_CLEAN, "mta-out01.kagoya.net" },
	{ CORPUS_CLEAN, "www1234.sakura.ne.jp" },
	{ CORPUS_CLEAN, "bendel.debian.org" },
	{ CORPUS_CLEAN, "outbound-ip12a.ess.barracuda.com" },
	/* Servers whose names S25R takes for lines (the test prints them) */
	{ CORPUS_CLEAN, "sv12345.xserver.jp" },
	{ CORPUS_CLEAN, "ik1-234-56789.vs.sakura.ne.jp" },
	{ CORPUS_CLEAN, "mf-smf-ucb021c1.ocn.ad.jp" },
	{ CORPUS_CLEAN, "mx0a-00123401.pphosted.com" },
	{ CORPUS_CLEAN, "esa1.hc1234-56.iphmx.com" },
};

#endif /* MXG_NAME_CORPUS_H */
