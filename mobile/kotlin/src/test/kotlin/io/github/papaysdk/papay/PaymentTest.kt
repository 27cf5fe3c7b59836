package io.github.papaysdk.papay

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/** Deductions, order queries, reversal and refunds on one signed contract. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PaymentTest {
    private lateinit var sandbox: Sandbox
    private lateinit var client: Client
    private lateinit var contractId: String

    @BeforeAll
    fun start(): Unit = runBlocking {
        sandbox = Sandbox.start()
        client = sandbox.client()
        contractId = signContract(sandbox, client).second
    }

    @AfterAll
    fun stop() {
        client.close()
        sandbox.close()
    }

    private fun deduction(outTradeNo: String, total: Long = 1000) = DeductionRequest(
        description = "Kotlin shop-HK-monthly plan",
        notifyUrl = "$NOTIFY_BASE/pay-notify",
        outTradeNo = outTradeNo,
        merchantCategoryCode = "5999",
        contractId = contractId,
        amount = DeductionAmount(total = total, currency = "HKD"),
    )

    private fun refundRequest(outTradeNo: String, outRefundNo: String) = RefundRequest(
        order = OrderRef.OutTradeNo(outTradeNo),
        outRefundNo = outRefundNo,
        amount = RefundRequestAmount(refund = 300, total = 1000, currency = "HKD"),
        reason = "kotlin partial refund",
        notifyUrl = "$NOTIFY_BASE/refund-notify",
    )

    @Test
    fun deductReturnsPaidOrder(): Unit = runBlocking {
        val outTradeNo = uniqueNo("D")
        val order = client.deduct(deduction(outTradeNo))
        assertEquals("SUCCESS", order.tradeState, "deduct($outTradeNo).tradeState")
        assertEquals(1000L, order.amount.total, "deduct($outTradeNo).amount.total")
        assertNotNull(order.transactionId, "deduct($outTradeNo).transactionId")
    }

    @Test
    fun deductionSendsTransactionSuccess(): Unit = runBlocking {
        val outTradeNo = uniqueNo("DN")
        client.deduct(deduction(outTradeNo))
        val delivery = sandbox.notificationContaining("TRANSACTION.SUCCESS", outTradeNo)

        val notification = client.parseNotification(delivery.headers, delivery.body)

        val event = assertIs<NotificationEvent.DeductionSucceeded>(notification.event, "client.parseNotification of TRANSACTION.SUCCESS for $outTradeNo")
        assertEquals(outTradeNo, event.order.outTradeNo, "out_trade_no in TRANSACTION.SUCCESS")
    }

    @Test
    fun queryOrderByTransactionIdFindsOrder(): Unit = runBlocking {
        val outTradeNo = uniqueNo("QT")
        val transactionId = assertNotNull(client.deduct(deduction(outTradeNo)).transactionId, "deduct($outTradeNo).transactionId")
        val order = client.queryOrderByTransactionId(transactionId)
        assertEquals(outTradeNo, order.outTradeNo, "queryOrderByTransactionId($transactionId).outTradeNo")
    }

    @Test
    fun queryOrderByOutTradeNoFindsOrder(): Unit = runBlocking {
        val outTradeNo = uniqueNo("QO")
        client.deduct(deduction(outTradeNo))
        val order = client.queryOrderByOutTradeNo(outTradeNo)
        assertEquals("SUCCESS", order.tradeState, "queryOrderByOutTradeNo($outTradeNo).tradeState")
    }

    @Test
    fun reverseOrderClosesUnpaidOrder(): Unit = runBlocking {
        val outTradeNo = uniqueNo("RV")
        sandbox.controlOk("POST", "/sandbox/deduction-outcome", """{"outcome":"USERPAYING"}""")
        val pending = client.deduct(deduction(outTradeNo, total = 500))
        assertEquals("USERPAYING", pending.tradeState, "deduct($outTradeNo) with the sandbox's next outcome USERPAYING")

        client.reverseOrder(outTradeNo)

        val order = client.queryOrderByOutTradeNo(outTradeNo)
        assertEquals("CLOSED", order.tradeState, "queryOrderByOutTradeNo($outTradeNo).tradeState after reverseOrder")
    }

    @Test
    fun refundIsAccepted(): Unit = runBlocking {
        val outTradeNo = uniqueNo("RF")
        val outRefundNo = uniqueNo("R")
        client.deduct(deduction(outTradeNo))
        val refund = client.refund(refundRequest(outTradeNo, outRefundNo))
        assertEquals(outRefundNo, refund.outRefundNo, "refund($outRefundNo).outRefundNo")
        assertEquals(300L, refund.amount.refund, "refund($outRefundNo).amount.refund")
    }

    @Test
    fun refundSendsRefundSuccess(): Unit = runBlocking {
        val outTradeNo = uniqueNo("RN")
        val outRefundNo = uniqueNo("R")
        client.deduct(deduction(outTradeNo))
        client.refund(refundRequest(outTradeNo, outRefundNo))
        val delivery = sandbox.notificationContaining("REFUND.SUCCESS", outRefundNo)

        val notification = client.parseNotification(delivery.headers, delivery.body)

        val event = assertIs<NotificationEvent.RefundSucceeded>(notification.event, "client.parseNotification of REFUND.SUCCESS for $outRefundNo")
        assertEquals("SUCCESS", event.refund.refundStatus, "refund_status in REFUND.SUCCESS for $outRefundNo")
    }

    @Test
    fun queryRefundByOutRefundNoFindsRefund(): Unit = runBlocking {
        val outTradeNo = uniqueNo("QR")
        val outRefundNo = uniqueNo("R")
        client.deduct(deduction(outTradeNo))
        val accepted = client.refund(refundRequest(outTradeNo, outRefundNo))
        val refund = client.queryRefundByOutRefundNo(outRefundNo)
        assertEquals(accepted.id, refund.id, "queryRefundByOutRefundNo($outRefundNo).id")
    }

    @Test
    fun queryRefundByIdFindsRefund(): Unit = runBlocking {
        val outTradeNo = uniqueNo("QI")
        val outRefundNo = uniqueNo("R")
        client.deduct(deduction(outTradeNo))
        val accepted = client.refund(refundRequest(outTradeNo, outRefundNo))
        val refund = client.queryRefundById(accepted.id)
        assertEquals(outRefundNo, refund.outRefundNo, "queryRefundById(${accepted.id}).outRefundNo")
    }

    @Test
    fun listRefundsReturnsOrderRefunds(): Unit = runBlocking {
        val outTradeNo = uniqueNo("LS")
        val outRefundNo = uniqueNo("R")
        client.deduct(deduction(outTradeNo))
        client.refund(refundRequest(outTradeNo, outRefundNo))

        val list = client.listRefunds(RefundListRequest(order = OrderRef.OutTradeNo(outTradeNo), offset = 0, count = 10))

        assertEquals(1L, list.totalNum, "listRefunds($outTradeNo).totalNum")
        assertTrue(list.data.any { it.outRefundNo == outRefundNo }, "listRefunds($outTradeNo).data lacks $outRefundNo: ${list.data}")
    }
}
