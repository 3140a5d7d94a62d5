// Created by serve.sh; keep the two in step.
export const admin = { email: 'owner@example.com', password: 'keys open many doors', name: 'Avery Admin' };
export const cashier = { email: 'cashier@example.com', password: 'till drawer opens wide', name: 'Casey Cashier' };
