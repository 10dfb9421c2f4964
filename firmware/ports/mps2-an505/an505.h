/*
 * an505.h - registers of the AN505 (SSE-200 "IoT kit") security hardware
 * and CMSDK UART that the port drives.  Addresses of memories, gates and
 * peripherals come from the generated mv_board.h, never from here; this
 * file holds only register layouts and facts the manifest does not carry.
 */
#ifndef MV_AN505_H
#define MV_AN505_H

/* Core clock (QEMU's mps2-an505 and the FPGA image: 20 MHz SYSCLK). */
#define AN505_CPU_HZ 20000000u

/* Secure privilege control block (the `secctl` peripheral, secure alias). */
#define SECCTL_SECRESPCFG 0x10u /* bit 0: blocked access -> bus error (not RAZ/WI) */
#define SECCTL_NSCCFG 0x14u     /* bit 0 CODENSC: 0x1xxxxxxx may be NSC where the SAU says so */
#define SECCTL_SECMPCINTSTATUS 0x1cu
#define SECCTL_SECPPCINTSTAT 0x20u
#define SECCTL_SECPPCINTCLR 0x24u
#define SECCTL_SECPPCINTEN 0x28u
#define SECPPCINT_ALL 0x00f000f3u /* APB PPC0/1, APB PPC EXP0-3, AHB PPC EXP0-3 */
#define NSCCFG_CODENSC (1u << 0)

/* Gate registers, named as the board manifest names them (gate: {reg: ...});
 * the port pastes MV_GATE_##reg to find the offset.  `none` has no
 * register: such peripherals can never become non-secure. */
#define MV_GATE_ahbnsppcexp0 0x60u
#define MV_GATE_ahbnsppcexp1 0x64u
#define MV_GATE_ahbnsppcexp2 0x68u
#define MV_GATE_ahbnsppcexp3 0x6cu
#define MV_GATE_apbnsppc0 0x70u
#define MV_GATE_apbnsppc1 0x74u
#define MV_GATE_apbnsppcexp0 0x80u
#define MV_GATE_apbnsppcexp1 0x84u
#define MV_GATE_apbnsppcexp2 0x88u
#define MV_GATE_apbnsppcexp3 0x8cu
#define MV_GATE_none 0u

/* Interrupts of the secure controller (SSE-200): the combined PPC
 * violation report and the MPC one. */
#define AN505_IRQ_MPC 9u
#define AN505_IRQ_PPC 10u

/* Memory protection controllers (TZ MPC): one LUT bit per block, 1 = NS. */
#define MPC_CTRL 0x00u
#define MPC_BLK_MAX 0x10u /* number of LUT words - 1 */
#define MPC_BLK_CFG 0x14u /* block size = 1 << (BLK_CFG + 5) */
#define MPC_BLK_IDX 0x18u
#define MPC_BLK_LUT 0x1cu
#define MPC_INT_CLEAR 0x24u
#define MPC_CTRL_SEC_RESP (1u << 4) /* blocked access -> bus error */
#define MPC_CTRL_AUTOINC (1u << 8)

/* CMSDK APB UART */
#define UART_DATA 0x00u
#define UART_STATE 0x04u /* bit 0: TX buffer full */
#define UART_CTRL 0x08u  /* bit 0: TX enable */
#define UART_BAUDDIV 0x10u

#endif
